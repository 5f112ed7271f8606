"""The starter handbook `seed_demo` loads: the chapters of ../shared/DOMAIN.md with
practical text written for this project. Each page ends with an "Official
sources" section; nothing here is legal advice, and dates and waits must be
checked against the sources named."""

SOURCES_TRAVEL = "https://travel.state.gov/content/travel/en/us-visas.html"
SOURCES_ECFMG = "https://www.ecfmg.org/evsp/"
WAIT_TIMES = (
    "https://travel.state.gov/content/travel/en/us-visas/visa-information-resources/"
    "global-visa-wait-times.html"
)

CHAPTERS = [
    {
        "slug": "before-you-arrive",
        "title": "Before you arrive",
        "intro": "From Match day to your first day: visa steps, the order they "
        "happen in, and how long each one usually takes.",
        "visa": True,
        "pages": [
            {
                "slug": "visa-steps-and-timeline",
                "title": "Visa steps and timeline after the Match",
                "body": """Most IMGs who need a visa train on a **J-1** sponsored by ECFMG; some programs sponsor an **H-1B**. Your program tells you which it offers. Start the moment you match: the steps below take 8 to 14 weeks end to end, and consulate waits can add months.

## J-1: the order of steps

1. Your program submits your application to ECFMG's sponsorship system (EVSP). You upload your documents there: contract, Statement of Need from your home country's ministry of health, and proof of funds.
2. ECFMG reviews the file and issues your **DS-2019**. Check every line: name as in your passport, program dates, program name.
3. Pay the SEVIS I-901 fee and keep the receipt.
4. Fill in the DS-160 online and book your visa interview at the consulate.
5. Go to the interview with your passport, DS-2019, SEVIS receipt and the DS-160 confirmation.
6. Travel: you may enter the US at most **30 days before** the start date on your DS-2019.

## H-1B: the order of steps

1. You need USMLE Steps 1, 2 CK and 3, the ECFMG certificate and a state licence or training permit before the petition can be filed. Step 3 is the usual bottleneck: book it early.
2. The hospital files a Labor Condition Application, then the I-129 petition with USCIS. Universities are cap-exempt, so there is no lottery.
3. USCIS approves the petition and sends the **I-797** approval notice.
4. Book the consulate interview with the I-797 in hand.

## Things that go wrong

- A name spelled differently on the passport and the DS-2019: ask ECFMG to correct it before the interview.
- A Statement of Need that takes months: start with your ministry of health the week you match.
- Administrative processing after the interview (the consulate keeps your passport for further checks): it can take weeks. Tell your program coordinator at once.

See [[before-you-arrive/consulate-wait-times]] for how long interviews take by country.

## Official sources

- ECFMG Exchange Visitor Sponsorship Program: <https://www.ecfmg.org/evsp/>
- US visas, State Department: <https://travel.state.gov/content/travel/en/us-visas.html>
""",
            },
            {
                "slug": "consulate-wait-times",
                "title": "Consulate interview wait times",
                "body": """The wait for a visa interview depends on the consulate, not on you. It can be a few days or more than 200, and it changes month to month.

## How to read the wait

The State Department publishes the typical wait for each consulate and visa class every month ("Global Visa Wait Times"). J-1 and H-1B fall under the exchange-visitor and petition-based categories. Our editors keep a table of the posts our residents use most, with the date each row was checked: see the consulate wait-times table linked from this chapter.

## If the wait is too long

- You may apply at another consulate in your country of residence; a few posts accept residents of neighbouring countries.
- Ask for an **expedited appointment**: your program's start date is a valid reason. Attach a letter from your program director or the GME office.
- Tell your program coordinator early. Programs can move a start date; they cannot fix a missed one.

## Official sources

- Global Visa Wait Times: <https://travel.state.gov/content/travel/en/us-visas/visa-information-resources/global-visa-wait-times.html>
""",
            },
        ],
    },
    {
        "slug": "first-two-weeks",
        "title": "Your first two weeks",
        "intro": "Social Security number, a bank account, a phone and orientation: "
        "the order that saves you trips.",
        "visa": False,
        "pages": [
            {
                "slug": "ssn-bank-phone",
                "title": "Social Security number, bank account and phone",
                "body": """Do these in this order: each one makes the next easier.

## 1. Check your I-94

Download your I-94 record from the CBP website a day or two after you land. Check your name, the class of admission (J-1 or H-1B) and the date ("D/S" for J-1). Errors here cause problems with everything else; ask the GME office to help correct one.

## 2. Phone

A prepaid plan needs only your passport. Get a US number on day one: banks, the Social Security office and your program all need one.

## 3. Social Security number

Apply in person at a Social Security office **10 days or more after arrival**, once your entry shows in the system; J-1s should also wait until ECFMG has validated their SEVIS record (your program tells you). Bring your passport, I-94, DS-2019 or I-797, and a letter from the GME office. The card arrives by post in about two weeks; payroll can start with the receipt.

## 4. Bank account

Many banks open an account with a passport and a second ID (the DS-2019 or I-797 works) without an SSN. Ask about a secured credit card at the same visit: see [[money-and-taxes/credit-and-taxes]].

## Official sources

- I-94 record, CBP: <https://i94.cbp.dhs.gov/>
- Social Security numbers for noncitizens: <https://www.ssa.gov/ssnumber/>
""",
            },
        ],
    },
    {
        "slug": "housing",
        "title": "Housing",
        "intro": "Finding a place to live before you have a US credit history.",
        "visa": False,
        "pages": [
            {
                "slug": "finding-a-flat",
                "title": "Finding a flat from abroad",
                "body": """Most residents rent; few buy before their last years. Start looking six to eight weeks before your start date.

## Where to live

Live within 20 minutes of the hospital you work at most: you will drive or walk home after night shifts. Ask the residents in your program which areas they chose; our group keeps a list of buildings where IMGs have rented before.

## Without a credit history

Landlords check credit, and you have none yet. What usually works:

- a letter from the GME office confirming your contract and salary;
- offering two or three months' rent as a deposit (ask for it in writing, and ask that it be held in an escrow account where the law requires it);
- a guarantor service that co-signs for a fee of about one month's rent.

## Scams

Never pay before you or someone you trust has seen the flat, and never wire money to a person abroad. A flat well below market price that "the owner can't show because they are travelling" is a scam.

## Official sources

- Tenant rights: your state's attorney general's office website.
""",
            },
        ],
    },
    {
        "slug": "getting-around",
        "title": "Getting around and the driver's licence",
        "intro": "Driving with a foreign licence, getting a state licence, and "
        "buying or renting a car.",
        "visa": False,
        "pages": [
            {
                "slug": "drivers-licence",
                "title": "Getting a state driver's licence",
                "body": """A foreign licence (with an International Driving Permit) is accepted for a short time after arrival in most states, often 30 days to a year: check your state's rules. A state licence is also the most accepted ID, so get one early.

## What to bring

Passport, I-94, DS-2019 or I-797, your Social Security number (or the letter saying you are not eligible), and two proofs of address (lease, bank statement).

## The tests

A written test on the state's rules (practise with the state handbook online), a vision test, and a road test. Some states waive the road test for licences from certain countries.

## Insurance

You must insure a car before you drive it. Without a US driving record premiums are high; ask insurers to consider your home-country record in writing.

## Official sources

- Your state's Department of Motor Vehicles website.
""",
            },
        ],
    },
    {
        "slug": "money-and-taxes",
        "title": "Money, credit and taxes",
        "intro": "Building credit from nothing, and the tax rules for J-1 "
        "nonresidents.",
        "visa": False,
        "pages": [
            {
                "slug": "credit-and-taxes",
                "title": "Credit history and taxes for J-1 and H-1B residents",
                "body": """## Building credit

Your credit history starts at zero. Open a secured credit card (you deposit, say, $500 and that is your limit), use it for small amounts and pay it off in full every month. After 6 to 12 months you usually qualify for an ordinary card.

## Taxes: resident or nonresident?

For tax purposes J-1 physicians are usually **nonresident aliens** for their first two calendar years in the US, and file **Form 1040-NR** with **Form 8843**. H-1B residents usually become tax residents under the substantial-presence test and file the ordinary Form 1040. Your status decides which deductions and treaty benefits apply.

## Form 8843

Every J-1 (and J-2) present in the US during the year files Form 8843, even with no income. Do not skip it: it is how you show the days that do not count toward residency.

## Help

The GME office can recommend tax software that handles nonresident returns; do not use ordinary consumer software as a nonresident.

## Official sources

- IRS, nonresident aliens: <https://www.irs.gov/individuals/international-taxpayers>
""",
            },
        ],
    },
    {
        "slug": "health-and-insurance",
        "title": "Health and required insurance",
        "intro": "The insurance your visa requires and how to use US health care.",
        "visa": False,
        "pages": [
            {
                "slug": "required-insurance",
                "title": "Insurance the J-1 requires",
                "body": """J-1 exchange visitors and their J-2 family must carry health insurance that meets federal minimums for the whole program, including medical evacuation and repatriation cover. Residents' employer plans usually meet them, but check evacuation and repatriation: some plans leave them out.

## Family

Your J-2 spouse and children must be covered from the day they arrive. Add them to your plan within the enrolment window (often 30 days from arrival or from a life event).

## Using care

Choose a primary care physician in your plan's network; go to urgent care rather than the emergency department for non-emergencies. Keep every bill until the insurer's explanation of benefits matches it.

## Official sources

- J-1 insurance requirements: <https://j1visa.state.gov/>
""",
            },
        ],
    },
    {
        "slug": "family",
        "title": "Family",
        "intro": "Spouses and children on J-2 or H-4: work permits, schools and "
        "childcare.",
        "visa": True,
        "pages": [
            {
                "slug": "j2-h4-work-permits",
                "title": "J-2 and H-4 family: work permits",
                "body": """## J-2

A J-2 spouse may work once USCIS approves an **EAD** (Form I-765). Filing takes about 3 to 5 months; the EAD never lasts beyond the J-1's DS-2019 end date, so renew it together with the J-1's continuation.

## H-4

An H-4 spouse may work only in limited cases (for example when the H-1B holder has an approved I-140). Most H-4 spouses of residents cannot work.

## Schools and childcare

Public schools enrol children by address; bring proof of address and vaccination records. Childcare waiting lists near hospitals are long: join them as soon as you match.

## Official sources

- USCIS, Form I-765: <https://www.uscis.gov/i-765>
""",
            },
        ],
    },
    {
        "slug": "keeping-your-status",
        "title": "Keeping your status",
        "intro": "I-94, address changes, yearly continuation and moonlighting: "
        "the rules that keep you in status.",
        "visa": True,
        "pages": [
            {
                "slug": "continuation-and-address",
                "title": "Yearly continuation, address changes and moonlighting",
                "body": """## Yearly continuation (J-1)

ECFMG sponsors you one year at a time. Each year your program submits a continuation of sponsorship: **start 4 to 6 weeks before** your DS-2019 ends. Answer your coordinator's requests the same week; a late continuation can stop you from working.

## Address changes

Report a new address within 10 days: J-1s through ECFMG's system, everyone through USCIS (Form AR-11 online). Keep the confirmation.

## Moonlighting

J-1 physicians may **not** moonlight: extra paid clinical work outside the program violates status. H-1B residents may work only for their petitioning employer unless another petition covers the job.

## Grace periods

A J-1 has 30 days after the DS-2019 ends to leave or change status. It is not a time to work.

## Official sources

- ECFMG EVSP: <https://www.ecfmg.org/evsp/>
- USCIS, change of address: <https://www.uscis.gov/addresschange>
""",
            },
        ],
    },
    {
        "slug": "travel-and-visa-renewal",
        "title": "Travel and visa renewal",
        "intro": "Travelling home and coming back: the travel signature, a valid "
        "stamp and a passport that lasts.",
        "visa": True,
        "pages": [
            {
                "slug": "travel-signature",
                "title": "The travel signature and re-entry",
                "body": """Before any trip outside the US, check three things: the travel signature, the visa stamp and the passport.

## Travel signature (J-1)

ECFMG signs your DS-2019 for travel. A signature is valid for **one year**, or until your DS-2019 ends if sooner. Request it through your program **7 to 10 business days** before you leave; in June and December it can take longer.

## Visa stamp

You may stay in the US on an expired stamp as long as your DS-2019 (or I-797) is valid, but you cannot re-enter on one. Stamps are renewed only at a consulate abroad, so a trip home with an expiring stamp means an interview there: check the wait first.

## Passport

Keep your passport valid at least **6 months** beyond your program end (some countries are exempt from this rule, but airlines often apply it anyway).

## Official sources

- ECFMG, travel preparation: <https://www.ecfmg.org/evsp/>
- Global Visa Wait Times: <https://travel.state.gov/content/travel/en/us-visas/visa-information-resources/global-visa-wait-times.html>
""",
            },
            {
                "slug": "renewing-your-visa-abroad",
                "title": "Renewing your visa stamp abroad",
                "body": """Visa stamps are not renewed inside the US. Plan a renewal around a vacation block, and plan for delays.

## Before you book flights

1. Check the interview wait at your consulate (see [[before-you-arrive/consulate-wait-times]]).
2. Get the travel signature (J-1) or an employment verification letter (H-1B).
3. Tell your program director the dates; ask for a letter in case of administrative processing.

## At the consulate

Bring your passport, DS-2019 or I-797, the DS-160 confirmation, a letter from the program and recent pay slips.

## If you are held in administrative processing

Email your program coordinator and the GME office at once. Most cases clear in a few weeks; your program can arrange cover.

## Official sources

- US visas: <https://travel.state.gov/content/travel/en/us-visas.html>
""",
            },
        ],
    },
    {
        "slug": "usmle-and-licensing",
        "title": "USMLE Step 3 and licensing",
        "intro": "When to take Step 3, and getting a training permit and licence.",
        "visa": False,
        "pages": [
            {
                "slug": "step-3",
                "title": "When to take Step 3",
                "body": """## Why it matters to IMGs

H-1B sponsorship requires Step 3 passed before the petition. Many fellowships and some state licences also expect it by PGY-2 or PGY-3.

## When

Most residents take Step 3 during PGY-1, in an elective or vacation block after 6 months of training. Book two to three months ahead: the two test days must be close together.

## Licence or training permit

Most states require a training licence or permit for residents; the GME office files it. A full licence comes later and is needed for moonlighting (not allowed on J-1) and for practice after training.

## Official sources

- USMLE: <https://www.usmle.org/>
- Federation of State Medical Boards: <https://www.fsmb.org/>
""",
            },
        ],
    },
    {
        "slug": "after-training",
        "title": "After training",
        "intro": "Waivers, H-1B after J-1, fellowships and jobs.",
        "visa": True,
        "pages": [
            {
                "slug": "waivers-and-next-steps",
                "title": "The two-year home rule and waivers",
                "body": """## The two-year home-country rule

J-1 physicians are subject to the **212(e)** rule: after training you must live two years in your home country before you can get an H-1B or a green card, unless you obtain a waiver.

## Conrad 30 waivers

Each state may recommend up to **30 waivers a year** for physicians who commit to **3 years of H-1B service** in an underserved area. Slots open in the autumn and some states fill quickly: start job searches 12 to 18 months before you finish.

## Fellowship first

Moving from residency to a fellowship on J-1 keeps the rule in place but postpones it; the 7-year J-1 limit counts all your clinical training.

## Official sources

- Waiver of the exchange visitor two-year home-country physical presence requirement: <https://travel.state.gov/content/travel/en/us-visas/study/exchange/waiver-of-the-exchange-visitor.html>
""",
            },
        ],
    },
    {
        "slug": "culture-and-community",
        "title": "Culture, communication and community",
        "intro": "Feedback culture, speaking up, and the people who can help.",
        "visa": False,
        "pages": [
            {
                "slug": "feedback-and-speaking-up",
                "title": "Feedback culture and speaking up",
                "body": """## Feedback is expected, and it goes both ways

US programs give frequent, direct feedback, often framed positively first ("what went well, what to change"). It is not a sign you are failing. Ask for it: "Could you give me one thing to do differently next time?"

## Speaking up

Nurses, pharmacists and students are expected to question orders they think are unsafe, and so are you, to seniors and attendings. "I'm concerned about…" is the standard way to start.

## Who can help

- Your chief residents and program director.
- The IMG group: co-leads, mentors who have been through the same visa path, and monthly socials.
- The GME office, including the ECFMG Training Program Liaison for J-1 questions.

## Official sources

- ECFMG, resources for IMGs in training: <https://www.ecfmg.org/>
""",
            },
        ],
    },
]

# Example consulate waits for the demo table: figures of the right order of
# magnitude, every row marked "example, to be verified".
TIMELINES = [
    ("IN", "J-1", "Mumbai", 45, "Summer peak: book in March."),
    ("IN", "J-1", "New Delhi", 60, ""),
    ("IN", "J-1", "Chennai", 38, ""),
    ("IN", "H-1B", "Hyderabad", 120, "Dropbox sometimes possible for renewals."),
    ("IN", "J-1", "Kolkata", 25, ""),
    ("PK", "J-1", "Islamabad", 190, "Administrative processing is common."),
    ("PK", "J-1", "Karachi", 160, ""),
    ("NG", "J-1", "Lagos", 210, "Expedite requests with a program letter help."),
    ("NG", "J-1", "Abuja", 140, ""),
    ("EG", "J-1", "Cairo", 70, ""),
    ("PH", "J-1", "Manila", 35, ""),
    ("BD", "J-1", "Dhaka", 95, ""),
    ("NP", "J-1", "Kathmandu", 55, ""),
    ("JO", "J-1", "Amman", 40, ""),
    ("LB", "J-1", "Beirut", 30, ""),
    ("BR", "H-1B", "São Paulo", 20, ""),
    ("CO", "J-1", "Bogotá", 150, ""),
    ("MX", "H-1B", "Mexico City", 80, ""),
    ("GH", "J-1", "Accra", 110, ""),
    ("GB", "J-1", "London", 25, ""),
]
