"""Build the labelled free-text corpus: contact lines, chat messages, addresses and support
requests in the styles of many countries, with phone numbers, card numbers and dates of birth,
plus the digit runs that fill the same kind of text without being any of those.

    python tests/corpus/build_texts.py    # rewrites tests/corpus/sensitive_texts.jsonl

Phone numbers come from `phonenumbers`' own example numbers for each country (mobile and fixed
line), with their last digits varied and kept valid, written in the country's national format
and in the variants people type (dots, dashes, no separators) or internationally. Card numbers
are Luhn-completed in every issuer range, 12 to 19 digits. Generation is seeded.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from pixelhelper.inspect.cards import luhn

RNG = random.Random(20261201)
OUT = Path(__file__).with_name("sensitive_texts.jsonl")
records: list[dict[str, object]] = []


def add(text: str, labels: list[str], note: str) -> None:
    records.append({"text": text, "labels": labels, "note": note})


# ---------------------------------------------------------------- phones

LANGS = {
    "BE": ["Tél. {n}", "Telefoon: {n}", "GSM {n}", "Bel me op {n}", "Appelez-moi au {n}"],
    "FR": ["Tél : {n}", "Portable : {n}", "Appelez-moi au {n}", "mon numéro : {n}", "Fax {n}"],
    "HU": ["Telefon: {n}", "Mobil: {n}", "Hívj a {n} számon", "Tel.: {n}"],
    "IT": ["Tel. {n}", "Cellulare: {n}", "chiamami al {n}", "Telefono {n}", "Fax: {n}"],
    "FI": ["Puh. {n}", "Puhelin: {n}", "soita {n}", "GSM {n}"],
    "PT": ["Telemóvel: {n}", "Tel.: {n}", "ligue para {n}", "Telefone {n}"],
    "GB": ["Mobile: {n}", "Tel: {n}", "ring me on {n}", "call me at {n}", "Phone {n}"],
    "DE": ["Tel.: {n}", "Handy: {n}", "Telefon {n}", "erreichbar unter {n}", "Mobil: {n}"],
    "AT": ["Tel. {n}", "Mobil: {n}", "Telefon: {n}"],
    "CH": ["Tel. {n}", "Natel {n}", "Telefon: {n}"],
    "ES": ["Teléfono: {n}", "Móvil: {n}", "llámame al {n}", "Tel. {n}"],
    "NL": ["Telefoon: {n}", "Mobiel: {n}", "bel {n}", "Tel.: {n}"],
    "SE": ["Telefon: {n}", "Mobil: {n}", "ring mig på {n}", "Tfn {n}"],
    "DK": ["Tlf. {n}", "Mobil: {n}", "Telefon {n}"],
    "NO": ["Tlf: {n}", "Mobil {n}", "Telefon: {n}"],
    "PL": ["Tel. {n}", "Telefon: {n}", "Komórka: {n}", "zadzwoń {n}"],
    "CZ": ["Tel.: {n}", "Telefon: {n}", "Mobil: {n}"],
    "RO": ["Telefon: {n}", "Tel. {n}", "Mobil: {n}"],
    "GR": ["Τηλ. {n}", "Τηλέφωνο: {n}", "Κινητό: {n}"],
    "IE": ["Mobile: {n}", "Phone: {n}", "call {n}"],
    "US": ["Phone: {n}", "Cell: {n}", "call me at {n}", "text me at {n}", "Fax: {n}"],
    "CA": ["Phone: {n}", "Cell {n}", "call {n}", "Tél. : {n}"],
    "MX": ["Tel. {n}", "Celular: {n}", "WhatsApp: {n}"],
    "BR": ["Telefone: {n}", "Celular: {n}", "WhatsApp {n}", "ligue {n}"],
    "AR": ["Tel: {n}", "Celular {n}", "WhatsApp: {n}"],
    "CO": ["Celular: {n}", "Tel. {n}"],
    "CL": ["Teléfono {n}", "Celular: {n}"],
    "IN": ["Mobile: {n}", "Ph: {n}", "call {n}", "WhatsApp {n}"],
    "ID": ["Telp: {n}", "HP: {n}", "WhatsApp {n}", "Tel. {n}"],
    "PH": ["Mobile: {n}", "Tel. No. {n}", "text me at {n}"],
    "JP": ["電話: {n}", "TEL {n}", "携帯 {n}"],
    "KR": ["전화: {n}", "Tel. {n}", "휴대폰 {n}"],
    "AU": ["Mobile: {n}", "Ph: {n}", "call me on {n}"],
    "NZ": ["Mobile: {n}", "Phone: {n}"],
    "ZA": ["Cell: {n}", "Tel: {n}", "WhatsApp {n}"],
    "NG": ["Phone: {n}", "Tel: {n}"],
    "KE": ["Tel: {n}", "Mobile: {n}"],
    "TR": ["Tel: {n}", "Telefon: {n}", "Cep tel: {n}"],
    "SA": ["Mobile: {n}", "Tel: {n}"],
    "AE": ["Mobile: {n}", "Tel: {n}"],
    "IL": ["Tel: {n}", "Mobile: {n}"],
    "TH": ["Tel. {n}", "Mobile: {n}"],
    "VN": ["Tel: {n}", "ĐT: {n}", "Điện thoại: {n}"],
    "MY": ["Tel: {n}", "H/P: {n}"],
    "SG": ["Tel: {n}", "HP: {n}"],
}
CHAT = [
    "hi! can you call me back on {n} after 6pm?",
    "messages to {n} please, I can't take calls at work",
    "pls text {n} when the order ships",
    "you can reach me at {n}",
    "my number is {n}",
    "whatsapp me {n} thx",
    "I tried calling from {n} but nobody answered",
]
ADDRESS = [
    "{street}, {city} · Tel {n}",
    "Delivery to {street}, {city}. Phone {n}",
    "{street} / {city} — mobile {n}",
]
STREETS = ["12 Rue de la Paix", "Hauptstraße 5", "Via Roma 10", "221B Baker Street",
           "Calle Mayor 3", "Rua Augusta 27", "Mannerheimintie 4", "Váci utca 12"]  # fmt: skip
CITIES = ["75002 Paris", "10115 Berlin", "00184 Roma", "London NW1 6XE", "28013 Madrid",
          "1100-048 Lisboa", "00100 Helsinki", "1052 Budapest"]  # fmt: skip


def _varied(region: str, kind: int) -> phonenumbers.PhoneNumber | None:
    """A valid number of `region` near its example number (last digits varied)."""
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    national = str(example.national_number)
    for _ in range(40):
        tail = "".join(str(RNG.randrange(10)) for _ in range(3))
        candidate = phonenumbers.parse(national[:-3] + tail, region)
        if phonenumbers.is_valid_number(candidate):
            return candidate
    return example


def _styles(number: phonenumbers.PhoneNumber) -> list[str]:
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    plain = "".join(ch for ch in national if ch.isdigit())
    dotted = national.replace(" ", ".").replace("-", ".").replace("(", "").replace(")", "")
    dashed = national.replace(" ", "-").replace("(", "").replace(")", "")
    return [national, national, dotted, dashed, plain, intl]


for region, labels in LANGS.items():
    for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
        for _ in range(2):
            number = _varied(region, kind)
            if number is None:
                continue
            for style in RNG.sample(_styles(number), 3):
                template = RNG.choice(labels + CHAT + ADDRESS)
                text = template.format(n=style, street=RNG.choice(STREETS), city=RNG.choice(CITIES))
                add(text, ["phone"], f"{region} phone")

# ---------------------------------------------------------------- cards

ISSUERS = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("2221", 16), ("37", 15), ("34", 15),
           ("6011", 16), ("65", 16), ("3530", 16), ("3589", 19), ("1800", 15), ("2131", 15),
           ("36", 14), ("300", 14), ("38", 16), ("62", 16), ("62", 19), ("5018", 12),
           ("6759", 12), ("6761", 16), ("5018", 19), ("2200", 16), ("6522", 16), ("6062", 16),
           ("5067", 16), ("9792", 16), ("5078", 19), ("6500", 16), ("8171", 16)]  # fmt: skip
CARD_TEMPLATES = [
    "card {c}", "card number: {c}", "credit card {c} exp 08/29", "CC# {c}", "cc {c}",
    "Carte bancaire : {c}", "Kreditkarte {c}", "tarjeta {c}", "cartão de crédito {c}",
    "my card is {c} cvv on the back", "Card no. {c}", "Debit card: {c}",
]  # fmt: skip


def luhn_complete(prefix: str, length: int) -> str:
    digits = prefix + "".join(str(RNG.randrange(10)) for _ in range(length - len(prefix) - 1))
    return next(digits + check for check in "0123456789" if luhn(digits + check))


def spaced(number: str) -> str:
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if len(number) == 14:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


for prefix, length in ISSUERS:
    for _ in range(3):
        number = luhn_complete(prefix, length)
        shown = RNG.choice([number, spaced(number), spaced(number).replace(" ", "-")])
        add(RNG.choice(CARD_TEMPLATES).format(c=shown), ["card_number"], f"{prefix}/{length} card")

# ---------------------------------------------------------------- dates of birth

DOB = ["born 12/03/1985", "DOB: 1985-03-12", "date of birth 03.12.1985", "né le 12/03/1985",
       "geboren am 12.03.1985", "fecha de nacimiento: 12/03/1985", "data di nascita 12/03/1985",
       "data de nascimento: 12/03/1985", "geboortedatum 12-03-1985", "Birthday: March 12, 1985",
       "born on 12 March 1985", "b. 1985-03-12", "Geburtsdatum: 12.03.1985",
       "születési dátum: 1985.03.12.", "syntymäaika 12.3.1985", "data urodzenia 12.03.1985",
       "födelsedatum 1985-03-12", "I was born in 12/03/1985"]  # fmt: skip
for text in DOB:
    add(f"Patient details: {text}", ["date_of_birth"], "date of birth in free text")

# ---------------------------------------------------------------- health vocabulary

HEALTH = [
    # patient portal and records
    "View lab results in MyChart", "Request medical records", "Patient portal login",
    "Download your visit summary", "Immunization records", "Message your care team",
    # appointments and intake
    "Patient intake form", "New patient forms", "telehealth appointment", "urgent care near me",
    "Schedule a mammogram", "Book your flu shot", "COVID-19 vaccine appointment",
    "neurologist appointment", "pap smear appointment", "physical therapy near me",
    # public insurance programmes
    "Medicaid renewal", "Medicare Part D plans", "CHIP eligibility", "ACA enrollment",
    "Obamacare plans", "Medigap", "Medicare Advantage enrollment",
    "open enrollment health insurance",
    # genetic testing
    "BRCA genetic test kit", "hereditary cancer test", "carrier screening results",
    "genetic counseling session",
    # surgical procedures
    "knee replacement recovery", "hip replacement surgery", "C-section recovery",
    "colonoscopy prep kit", "LASIK consultation", "vasectomy consultation", "top surgery",
    # addiction recovery
    "Sober living homes", "opioid treatment program", "rehab near me", "detox center",
    "AA meeting", "naloxone kit", "methadone clinic", "Suboxone doctor",
    # neurological conditions
    "Parkinson's support group", "Epilepsy Foundation", "MS symptoms", "Alzheimer's care",
    "stroke rehabilitation", "migraine relief", "spinal cord stimulator",
    # obstetrics
    "IVF cost", "egg donor", "pregnancy test", "ovulation kit", "breast pump",
    "postpartum doula", "prenatal vitamins",
    # prescriptions
    "refill Rx", "Ozempic prescription", "semaglutide online", "weight loss injections",
    "GLP-1", "insulin pricing", "cholesterol medication", "statins", "blood thinner",
    # hair loss
    "Hair loss shampoo", "minoxidil foam", "finasteride online", "hair transplant cost",
    "Rogaine", "Propecia",
    # mental health, sexual and reproductive health, conditions
    "therapy for anxiety", "couples counseling", "grief counseling",
    "eating disorder treatment", "ketamine therapy", "TMS therapy", "ADHD assessment",
    "autism screening", "online psychiatrist", "HIV self-test", "PrEP for HIV",
    "STD testing near me", "Plan B pill", "morning-after pill", "abortion pill by mail",
    "birth control online", "UTI test strips", "yeast infection treatment", "ED pills",
    "erectile dysfunction treatment", "low T clinic", "gender-affirming hormone therapy",
    "hospice care", "dialysis center", "chemo", "radiation oncology", "cancer survivor",
    "leukemia treatment", "Crohn's disease diet", "IBS relief", "celiac testing",
    "kidney stone treatment", "gout medication", "arthritis pain", "osteoporosis screening",
    "sleep apnea test", "CPAP machine", "blood pressure monitor", "glucose test strips",
    "A1C test", "thyroid test", "hearing aids", "wheelchair", "mobility scooter",
]  # fmt: skip
for text in HEALTH:
    add(text, ["health"], "health vocabulary")
NOT_HEALTH = [
    "Hair appointment reminder", "Car service appointment", "Book a table for two",
    "Schedule a demo", "Free consultation call", "Meal prep containers", "Test prep course",
    "Running shoes", "Cotton T-shirt", "Yoga mat", "Protein powder", "Vitamin C serum",
    "Sunscreen SPF 50", "Plan your trip", "Data plan", "Premium membership",
    "Chocolate chip cookies", "Walk in closet", "Patch Adams", "Knocked Up", "Analyze This",
    "What About Bob", "Anger Management", "The Hangover", "Scary Movie", "Mrs. Doubtfire",
    "Nurse Betty", "Virus scan software", "Heartburn hot sauce", "Fever Tree tonic",
    "Cabin Fever", "Dog vaccination reminder", "Tree surgery", "Phone screen repair",
    "Skin care routine", "Lip balm", "Toothpaste", "Shampoo", "First aid kit",
    "Recovery drink after workout", "Mood lighting", "Transition plan for the office",
    "Injection molded parts", "Test results of the crash test", "Coverage map",
    "Open enrollment for classes", "Detox juice cleanse", "Positive vibes t-shirt",
    "Pill organizer", "Gift card", "Track my order", "Contact us", "Returns policy",
]  # fmt: skip
for text in NOT_HEALTH:
    add(text, [], "ordinary shop text and titles")

# ---------------------------------------------------------------- negatives

NEGATIVES = [
    "Order #{o} confirmed, thank you!", "Order number: {o} (call us if anything is wrong)",
    "Your parcel {t} is on its way", "Tracking: {t}", "SKU {sku} back in stock",
    "Price: 1 299,00 €", "Total: 1.299,00 EUR", "Subtotal $1,299.00", "Postcode {pc}",
    "ZIP 94103-1234", "Invoice 2026-000{o3}", "Ticket #{o} has been updated",
    "Posted 2026-01-01 09:00", "Delivered on 12/03/2026 at 14:22", "Timestamp {ms}",
    "message id messageId-{ms}-4812039475610", "TikTok video 7{tt}", "event_id {ms}_357",
    "IBAN DE89 3704 0044 0532 0130 00", "Customer no. {c9}", "Reference {o}",
    "Item {o} x2", "Model 4155550132 vacuum", "Part no. 2125550187", "Call of Duty 2024",
    "Seat 12, row 4, gate 27", "Flight LH 2317 departs 06:15", "Room 1204, floor 12",
    "EAN {ean}", "ISBN 978-3-16-148410-0", "Order {o} placed via our hotline",
    "Your verification code is 482913", "Tel Aviv branch, order {o}",
    "gift card balance 25.00", "Version 10.0.19045.3930", "192.168.100.200 timed out",
    "Case 0034-5678-9012 closed", "Account 12345678, sort code 12-34-56",
    "Member since 2019, loyalty no. {c9}", "VAT number BE 0123.456.749",
]  # fmt: skip
for _ in range(6):
    for template in NEGATIVES:
        text = template.format(
            o=RNG.randrange(10**7, 10**10),
            o3=RNG.randrange(100, 999),
            t=f"00340434{RNG.randrange(10**11, 10**12)}",
            sku=RNG.randrange(10**12, 10**13),
            pc=RNG.choice(["75002", "SW1A 1AA", "10115", "1052", "00184"]),
            ms=RNG.randrange(1_700_000_000_000, 1_800_000_000_000),
            tt=RNG.randrange(10**17, 10**18),
            c9=f"{RNG.randrange(100, 999)} {RNG.randrange(100, 999)} {RNG.randrange(100, 999)}",
            ean=RNG.randrange(10**12, 10**13),
        )
        add(text, [], "digits that are not personal data")

OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
if __name__ == "__main__":
    pos = sum(1 for r in records if r["labels"])
    print(f"wrote {len(records)} texts ({pos} positive, {len(records) - pos} negative) to {OUT}")
