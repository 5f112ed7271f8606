"""The members app's models, one module per concern (the file was 800 lines):
accounts (User, Role), reference data (specialties, programs), the member
and their leadership roles, co-lead terms and handovers, and records (audit
trail, imports, deletion requests, the action log)."""

from members.models.accounts import (  # noqa: F401
    TRAINING_START_MAX_YEARS,
    Role,
    User,
    UserManager,
)
from members.models.leadership import (  # noqa: F401
    CoLeadInvitation,
    CoLeadTerm,
    RolloverRun,
)
from members.models.member import (  # noqa: F401
    BIO_MAX_LENGTH,
    DIRECTORY_FIELD_CHOICES,
    SEGMENT_FILTERS,
    LeadershipRole,
    Member,
    MemberQuerySet,
    _display,
    active_q,
    default_directory_fields,
)
from members.models.records import (  # noqa: F401
    ActionLog,
    AuditEntry,
    DeletionRequest,
    ImportJob,
)
from members.models.reference import (  # noqa: F401
    Program,
    Specialty,
)
