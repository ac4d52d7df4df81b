"""Word pools for the demo data: Denver-metro homeowners, streets, and what roofers write in notes."""

from __future__ import annotations

FIRST_NAMES = (
    "James", "Linda", "Robert", "Patricia", "David", "Jennifer", "William", "Elizabeth", "Richard",
    "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew",
    "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Kimberly", "Andrew",
    "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Brian", "Carol", "George", "Amanda", "Timothy",
    "Melissa", "Ronald", "Deborah", "Jason", "Stephanie", "Ryan", "Rebecca", "Gary", "Laura", "Eric",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips",
    "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
)  # fmt: skip

COMMERCIAL_CUSTOMERS = (
    ("Front Range Property Management", "Gloria", "Hayes"),
    ("Cherry Creek Family Dental", "Alan", "Brooks"),
    ("Aurora Self Storage", "Victor", "Ramos"),
)

STREETS = (
    "Elm St", "Oak Ave", "Maple Dr", "Cedar Ln", "Aspen Way", "Columbine Ct", "Pikes Peak Dr",
    "Juniper St", "Willow Creek Rd", "Sable Blvd", "Quebec St", "Dahlia St", "Kipling St",
    "Wadsworth Blvd", "Holly St", "Yosemite St", "Lowell Blvd", "Federal Blvd", "Colfax Ave",
    "Evans Ave", "Yale Ave", "Dartmouth Ave", "Jewell Ave", "Iliff Ave", "Mississippi Ave",
    "Hampden Ave", "Bowles Ave", "Belleview Ave", "Arapahoe Rd", "Ridge Rd",
)  # fmt: skip

CITIES = (
    # city, zip codes, latitude, longitude
    ("Denver", ("80205", "80210", "80219", "80220", "80224"), 39.7392, -104.9903),
    ("Aurora", ("80012", "80013", "80015"), 39.7294, -104.8319),
    ("Lakewood", ("80226", "80227", "80228"), 39.7047, -105.0814),
    ("Littleton", ("80120", "80123"), 39.6133, -105.0166),
    ("Arvada", ("80003", "80004", "80005"), 39.8028, -105.0875),
    ("Westminster", ("80031", "80021"), 39.8367, -105.0372),
    ("Centennial", ("80112", "80122"), 39.5807, -104.8772),
    ("Parker", ("80134", "80138"), 39.5186, -104.7614),
    ("Castle Rock", ("80104", "80109"), 39.3722, -104.8561),
    ("Highlands Ranch", ("80126", "80130"), 39.5539, -104.9694),
    ("Thornton", ("80229", "80241"), 39.8680, -104.9719),
    ("Englewood", ("80110", "80113"), 39.6478, -104.9878),
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

JOB_DESCRIPTIONS = {
    101: (
        "Full tear-off and replacement with architectural shingles, synthetic underlayment and ridge vent.",
        "Hail damage from the spring storm; replace with Class 4 impact-resistant shingles.",
        "25-year-old 3-tab roof curling at the edges; homeowner wants a full replacement before winter.",
    ),
    102: (
        "Leak above the master bedroom; replace flashing around the chimney and reseal.",
        "Wind lifted shingles on the north slope; repair roughly 3 squares and match color.",
    ),
    103: ("Standing seam metal roof over the garage and back porch, charcoal color.",),
    104: ("Replace ponding flat section over the addition with 60 mil TPO membrane.",),
    105: ("Hail-dented vinyl siding on the west and north elevations; replace and match color.",),
    106: ("Replace original wood siding with James Hardie fiber cement plank, painted Iron Gray.",),
    107: ("New 6-inch seamless aluminum gutters and oversized downspouts around the whole house.",),
    108: ("Install micro-mesh gutter guards on all runs; clean gutters first.",),
    109: ("Replace 12 original aluminum windows with vinyl double-hung, Low-E glass.",),
    110: ("Exterior repaint of body and trim after the siding repair; two coats.",),
    111: ("Blow in R-49 attic insulation and air-seal the top plates.",),
}

# Notes a job collects as it moves through the workflow, by stage name. `{rep}` and `{office}` are
# mention tokens, `{customer}` the homeowner's first name.
STAGE_NOTES = {
    "Lead": (
        "New lead, {customer} called about missing shingles after the storm. Wants someone out this week.",
        "Left a voicemail for {customer}, will try again tomorrow morning.",
    ),
    "Inspection Scheduled": (
        "Inspection booked. {customer} asked us to call 30 minutes before arriving; dog in the backyard.",
        "{rep} please bring the drone, the roof is too steep to walk.",
    ),
    "Estimate Prepared": (
        "Inspection done: hail bruising on the south and west slopes, soft decking near the valley.",
        "Estimate drafted with 10% waste. {office} can you double-check the square count?",
    ),
    "Proposal Sent": (
        "Proposal emailed to {customer} with good/better/best options.",
        "{customer} is comparing two other bids; follow up Friday.",
    ),
    "Contract Signed": (
        "Contract signed, deposit collected. {office} please order materials.",
        "Customer chose Owens Corning Duration in Driftwood.",
    ),
    "Materials Ordered": (
        "Materials ordered from ABC Supply, delivery window confirmed with {customer}.",
        "Dumpster scheduled for the morning before tear-off.",
    ),
    "In Production": (
        "Tear-off complete, replaced 4 sheets of decking (change order approved by {customer}).",
        "Crew on site, magnet sweep done at end of day.",
    ),
    "Final Inspection": (
        "Final walkthrough with {customer}; touch-up on the drip edge by the garage. {rep} please confirm.",
    ),
    "Invoiced": ("Final invoice sent. {customer} will pay once the insurance depreciation check arrives.",),
    "Paid & Closed": (
        "Paid in full. Asked {customer} for a Google review.",
        "Job closed, warranty registration submitted.",
    ),
}

INSURANCE_COMPANIES = ("State Farm", "Allstate", "USAA", "Farmers", "American Family", "Liberty Mutual")
ADJUSTERS = ("Greg Patton", "Maria Lopez", "Steve Kwan", "Holly Jensen", "Raj Patel")

INBOUND_EMAILS = (
    ("Question about my estimate", "<p>Hi, does the estimate include replacing the gutters too?</p>"),
    (
        "Insurance adjuster visit",
        "<p>The adjuster is coming Thursday at 10. Can someone from your team be there?</p>",
    ),
    ("Color samples", "<p>We narrowed it down to Driftwood or Weathered Wood. Can you drop off samples?</p>"),
    (
        "Re: Your proposal from Demo Roofing",
        "<p>Thanks for the proposal. Can we go over financing options?</p>",
    ),
)

INBOUND_TEXTS = (
    "Is the crew still coming tomorrow?",
    "Thanks! See you Thursday.",
    "Can you send me the invoice again? I can't find it.",
    "The adjuster approved the claim!",
    "What time will the dumpster be picked up?",
)

OUTBOUND_TEXTS = (
    "Hi {customer}, this is Demo Roofing confirming your appointment. Reply STOP to opt out.",
    "Hi {customer}, your materials are scheduled for delivery tomorrow morning.",
    "Hi {customer}, just checking in on the proposal we sent. Any questions?",
)
