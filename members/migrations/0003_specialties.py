"""The ACGME core specialties and common fellowships (../shared/DOMAIN.md)."""

from django.db import migrations

CORE = [
    "Allergy and Immunology",
    "Anesthesiology",
    "Colon and Rectal Surgery",
    "Dermatology",
    "Diagnostic Radiology",
    "Emergency Medicine",
    "Family Medicine",
    "Internal Medicine",
    "Internal Medicine–Pediatrics",
    "Interventional Radiology",
    "Medical Genetics and Genomics",
    "Neurological Surgery",
    "Neurology",
    "Nuclear Medicine",
    "Obstetrics and Gynecology",
    "Ophthalmology",
    "Orthopaedic Surgery",
    "Osteopathic Neuromusculoskeletal Medicine",
    "Otolaryngology",
    "Pathology",
    "Pediatrics",
    "Physical Medicine and Rehabilitation",
    "Plastic Surgery",
    "Preventive Medicine",
    "Psychiatry",
    "Radiation Oncology",
    "General Surgery",
    "Thoracic Surgery",
    "Transitional Year",
    "Urology",
    "Vascular Surgery",
]
FELLOWSHIPS = [
    "Cardiology",
    "Gastroenterology",
    "Hematology–Oncology",
    "Pulmonary and Critical Care",
    "Nephrology",
    "Infectious Disease",
    "Endocrinology",
    "Rheumatology",
    "Geriatrics",
    "Child and Adolescent Psychiatry",
    "Sleep Medicine",
]


def load(apps, schema_editor):
    Specialty = apps.get_model("members", "Specialty")
    for kind, names in (("core", CORE), ("fellowship", FELLOWSHIPS)):
        for name in names:
            Specialty.objects.get_or_create(name=name, defaults={"kind": kind})


def unload(apps, schema_editor):
    apps.get_model("members", "Specialty").objects.filter(
        name__in=CORE + FELLOWSHIPS, members__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0002_roles")]

    operations = [migrations.RunPython(load, unload)]
