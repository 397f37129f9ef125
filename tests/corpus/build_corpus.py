"""Build the labelled corpus of payload fields for the sensitive-data detector tests.

    python tests/corpus/build_corpus.py    # rewrites tests/corpus/sensitive_fields.jsonl

Each line is one payload field: `path` (where it sits in a pixel payload, dotted), `value`
(as it would be sent), `labels` (the categories a correct detector reports; [] for a negative)
and `note`. Positives use documentation-only values (example.com addresses, 555-01xx and
Ofcom drama numbers, card-network test numbers, SSNs from valid ranges that were never issued
to anyone we know of). Hard negatives are the shapes that fill real pixel payloads: epoch
milliseconds, UUIDs, ULIDs, `_ttp`/`ttcsid`/`ttclid` values, message ids, prices, SKUs, ZIP+4,
hashes, and words that look like health terms outside health ("stroke" in swimming, "cancer"
the zodiac sign, "prep" in a recipe). Generation is seeded, so the file is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from pathlib import Path

from pixelhelper.inspect.cards import luhn

RNG = random.Random(20261129)
OUT = Path(__file__).with_name("sensitive_fields.jsonl")
records: list[dict[str, object]] = []


def add(path: str, value: object, labels: list[str], note: str) -> None:
    records.append({"path": path, "value": value, "labels": labels, "note": note})


def luhn_complete(prefix: str, length: int) -> str:
    digits = prefix + "".join(str(RNG.randrange(10)) for _ in range(length - len(prefix) - 1))
    return next(digits + check for check in "0123456789" if luhn(digits + check))


def group(number: str, sizes: list[int], sep: str = " ") -> str:
    out, i = [], 0
    for size in sizes:
        out.append(number[i : i + size])
        i += size
    return sep.join(out)


# ---------------------------------------------------------------- emails (positives)
FIRST = [
    "jane",
    "john",
    "maria",
    "wei",
    "fatima",
    "lukas",
    "aiko",
    "olivia",
    "noah",
    "amara",
    "sofia",
    "liam",
    "chen",
    "priya",
    "mateo",
    "emma",
    "yusuf",
    "ines",
    "kofi",
    "hana",
]
LAST = ["doe", "smith", "garcia", "zhang", "khan", "muller", "tanaka", "brown", "okafor", "silva"]
DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.co.uk",
    "example.de",
    "test.example.com.au",
]
for i in range(44):
    f, l, d = FIRST[i % 20], LAST[i % 10], DOMAINS[i % 6]
    email = [f"{f}.{l}@{d}", f"{f}{i}@{d}", f"{f}+shop@{d}", f"{f.upper()}.{l}@{d.upper()}"][i % 4]
    kind = i % 11
    if kind == 0:
        add(
            "properties.description",
            f"Order confirmation sent to {email}",
            ["email"],
            "email in text",
        )
    elif kind == 1:
        add(
            "context.page.url",
            f"https://shop.example.com/thank-you?email={email.replace('@', '%40')}",
            ["email"],
            "percent-encoded email in page URL query",
        )
    elif kind == 2:
        add("context.user.email", email, ["email"], "plaintext email in advanced matching")
    elif kind == 3:
        add(
            "context.page.referrer",
            f"https://shop.example.com/account?user={email}",
            ["email"],
            "email in referrer query",
        )
    elif kind == 4:
        add(
            "auto_collected_properties.trigger_element.inner_text",
            f"Logged in as {email}",
            ["email"],
            "email in button text",
        )
    elif kind == 5:
        add("properties.query", email, ["email"], "email typed into a search box")
    elif kind == 6:
        add("user.email", f"  {email} ", ["email"], "Events API email with spaces")
    elif kind == 7:
        add(
            "auto_collected_properties.content_data.meta",
            json.dumps({"title": f"Welcome back {email}"}),
            ["email"],
            "email in JSON-in-string",
        )
    elif kind == 8:
        add(
            "properties.contents",
            [{"content_id": "1", "content_name": f"Gift card for {email}"}],
            ["email"],
            "email in contents item",
        )
    elif kind == 9:
        add(
            "context.page.url",
            f"https://shop.example.com/reset#email={email}",
            ["email"],
            "email in URL fragment",
        )
    else:
        add("properties.form_email", email, ["email"], "custom parameter")

# ---------------------------------------------------------------- phones (positives)
INTL = [
    "+1 415 555 0132",
    "+1 (212) 555-0187",
    "+44 20 7946 0958",
    "+49 30 901820",
    "+33 1 42 68 53 00",
    "+81 3-1234-5678",
    "+61 2 9374 4000",
    "+55 11 91234-5678",
    "+91 98765 43210",
    "+84 28 3823 4567",
    "+353 1 234 5678",
    "+34 912 345 678",
    "+39 06 1234 5678",
    "+27 21 123 4567",
    "+52 55 1234 5678",
    "+14155550199",
    "+442079460123",
    "+4915112345678",
    "+33612345678",
    "+819012345678",
]
NATIONAL_US = ["(415) 555-0132", "415-555-0176", "212.555.0143", "2125550161", "(646) 555-0110"]
for i, number in enumerate(INTL):
    place = i % 5
    if place == 0:
        add("context.user.phone_number", number, ["phone"], "plaintext phone in advanced matching")
    elif place == 1:
        add("properties.description", f"Questions? Call {number}", ["phone"], "phone in text")
    elif place == 2:
        add(
            "context.page.url",
            f"https://shop.example.com/contact?phone={number.replace('+', '%2B')}",
            ["phone"],
            "percent-encoded international phone in URL",
        )
    elif place == 3:
        add(
            "auto_collected_properties.trigger_element.attributes.href",
            f"tel:{number}",
            ["phone"],
            "tel: link on a clicked element",
        )
    else:
        add("user.phone", number, ["phone"], "Events API plaintext phone")
for i, number in enumerate(NATIONAL_US * 3):
    path = [
        "properties.phone",
        "context.user.phone_number",
        "properties.mobile",
        "properties.contact_phone",
        "user.phone",
    ][i % 5]
    add(path, number, ["phone"], "national number under a phone key")
for number in ["Tel. (415) 555-0198", "Mobile: 646-555-0120", "call 212 555 0175 now"]:
    add("properties.description", number, ["phone"], "national number with phone words")
add("context.user.phone_number", 4155550132, ["phone"], "phone as JSON number")

# ---------------------------------------------------------------- cards (positives)
BRANDS = [
    ("4", 16, [4, 4, 4, 4]),
    ("51", 16, [4, 4, 4, 4]),
    ("2221", 16, [4, 4, 4, 4]),
    ("37", 15, [4, 6, 5]),
    ("6011", 16, [4, 4, 4, 4]),
    ("3530", 16, [4, 4, 4, 4]),
    ("36", 14, [4, 6, 4]),
    ("4", 13, [4, 4, 5]),
    ("62", 16, [4, 4, 4, 4]),
]
for i in range(34):
    prefix, length, sizes = BRANDS[i % len(BRANDS)]
    number = luhn_complete(prefix, length)
    style = i % 4
    if style == 0:
        add("properties.card_number", number, ["card_number"], "unformatted card under card key")
    elif style == 1:
        add(
            "properties.description",
            f"Paid with {group(number, sizes)}",
            ["card_number"],
            "spaced card number in text",
        )
    elif style == 2:
        add(
            "context.page.url",
            f"https://shop.example.com/pay?cc={group(number, sizes, '-')}",
            ["card_number"],
            "dashed card number in URL",
        )
    else:
        add("properties.payment", {"pan": number, "exp": "12/29"}, ["card_number"], "nested pan")

# ---------------------------------------------------------------- national ids (positives)
for i in range(24):
    area = RNG.choice([n for n in range(1, 900) if n != 666])
    serial = f"{area:03d}-{RNG.randrange(1, 100):02d}-{RNG.randrange(1, 10000):04d}"
    if serial == "078-05-1120":
        continue
    style = i % 3
    if style == 0:
        add("properties.ssn", serial, ["national_id"], "SSN under ssn key")
    elif style == 1:
        add(
            "properties.description",
            f"Applicant SSN {serial} verified",
            ["national_id"],
            "SSN in text",
        )
    else:
        add("properties.ssn", serial.replace("-", ""), ["national_id"], "unformatted SSN under key")
for cpf_number in ["390.533.447-05", "111.444.777-35", "529.982.247-25", "168.995.350-09"]:
    add("properties.document", cpf_number, ["national_id"], "Brazilian CPF")
for nino in ["AB 12 34 56 C", "JG 10 38 23 A", "PE 45 67 89 D"]:
    add("properties.description", f"NI number {nino}", ["national_id"], "UK NINO")

# ---------------------------------------------------------------- health (positives)
HEALTH = [
    ("auto_collected_properties.trigger_element.inner_text", "Book an appointment with a doctor"),
    ("auto_collected_properties.trigger_element.inner_text", "Schedule your HIV test"),
    ("auto_collected_properties.trigger_element.inner_text", "Get PrEP today: HIV prevention"),
    ("auto_collected_properties.trigger_element.inner_text", "Find a therapist near you"),
    ("auto_collected_properties.trigger_element.inner_text", "Start online therapy"),
    ("auto_collected_properties.trigger_element.inner_text", "Order abortion pill"),
    ("auto_collected_properties.trigger_element.inner_text", "Book STI testing"),
    (
        "auto_collected_properties.trigger_element.inner_text",
        "Request an appointment with our oncology team",
    ),
    ("auto_collected_properties.trigger_element.inner_text", "Talk to a psychiatrist"),
    (
        "auto_collected_properties.trigger_element.inner_text",
        "Refill my prescription at the pharmacy",
    ),
    ("context.page.url", "https://clinic.example.com/conditions/breast-cancer/treatment"),
    ("context.page.url", "https://www.example.org/services/abortion-care?state=tx"),
    ("context.page.url", "https://health.example.com/depression/symptoms"),
    ("context.page.url", "https://www.example.com/hiv-testing/locations"),
    ("context.page.url", "https://www.example.com/pregnancy-test/results"),
    ("context.page.url", "https://pharmacy.example.com/products/ozempic-0-5mg"),
    ("context.page.url", "https://www.example.com/gender-affirming-care/hormone-therapy"),
    ("context.page.url", "https://www.example.com/addiction-treatment/opioid-use-disorder"),
    ("context.page.url", "https://www.example.com/find-a-doctor?specialty=cardiology"),
    ("context.page.url", "https://www.example.com/telehealth/book"),
    ("context.page.referrer", "https://www.example.com/search?q=chlamydia+symptoms"),
    ("context.page.referrer", "https://www.example.com/type-2-diabetes/diet"),
    ("properties.content_name", "Prenatal vitamins, 90 capsules"),
    ("properties.content_name", "Ovulation test strips (25)"),
    ("properties.content_name", "Home HIV test kit"),
    ("properties.content_name", "Nicotine replacement gum 4mg"),
    ("properties.content_name", "Naloxone nasal spray"),
    ("properties.content_name", "Insulin pen needles"),
    ("properties.content_name", "Sertraline 50mg"),
    ("properties.content_name", "Adderall XR 20mg"),
    ("properties.content_name", "Emergency contraception pill"),
    ("properties.content_name", "Finasteride 1mg hair loss treatment"),
    ("properties.content_name", "Valtrex 500mg"),
    ("properties.content_category", "Mental Health"),
    ("properties.content_category", "Sexual Health"),
    ("properties.content_category", "Fertility"),
    ("properties.description", "Consultation for erectile dysfunction"),
    ("properties.description", "Bipolar disorder support group"),
    ("properties.description", "Our eating disorder program"),
    ("properties.description", "Chemotherapy side effects guide"),
    ("properties.description", "Living with multiple sclerosis"),
    ("properties.description", "Alzheimer's caregiver resources"),
    ("properties.description", "Methadone clinic hours"),
    ("properties.description", "Puberty blockers: what to know"),
    ("properties.description", "Suicide prevention hotline"),
    ("properties.description", "Postpartum depression screening"),
    ("properties.description", "IVF cost calculator"),
    ("properties.description", "Endometriosis pain relief"),
    ("properties.query", "herpes outbreak treatment"),
    ("properties.query", "ozempic side effects"),
    ("properties.query", "chlamydia"),
    ("properties.query", "ADHD medication for adults"),
    ("properties.search_string", "miscarriage symptoms"),
    ("properties.search_string", "hepatitis c cure"),
    ("event", "BookTherapySession"),
    ("event", "HIVTestOrdered"),
    ("event", "BreastCancerScreeningBooked"),
    (
        "auto_collected_properties.content_data.open_graph",
        json.dumps({"og:title": "Stroke symptoms: act FAST", "og:type": "article"}),
    ),
    (
        "auto_collected_properties.content_data.meta",
        json.dumps({"title": "Anxiety disorder treatment | Example Health"}),
    ),
    (
        "auto_collected_properties.content_data.json_ld",
        json.dumps([{"@type": "MedicalCondition", "name": "Type 1 diabetes"}]),
    ),
    ("properties.contents", [{"content_id": "A12", "content_name": "Pregnancy test, 2 pack"}]),
    ("properties.description", "Cancer treatment center near you"),
    ("properties.description", "Stroke clinic: rehabilitation after a stroke"),
]
for path, value in HEALTH:
    add(path, value, ["health"], "health term")

# ---------------------------------------------------------------- lower-severity categories
for name in ["Jane", "Doe", "María García", "Wei Zhang", "O'Brien"]:
    add(
        "context.user.first_name" if " " not in name else "properties.customer_name",
        name,
        ["person_name"],
        "plaintext name",
    )
add("user.last_name", "Okafor", ["person_name"], "plaintext last name")
add("properties.billing", {"name": "John Smith"}, ["person_name"], "billing name")
for dob in ["1985-04-12", "04/12/1985", "12.04.1985", "19850412"]:
    add("properties.dob", dob, ["date_of_birth"], "date of birth")
add("context.user.birthday", "1992-11-03", ["date_of_birth"], "birthday")
for addr in [
    "1600 Amphitheatre Parkway",
    "221B Baker Street",
    "742 Evergreen Terrace",
    "10 Downing St",
]:
    add("properties.description", f"Ship to {addr}", ["street_address"], "street address in text")
add("properties.address1", "55 rue du Faubourg 3e", ["street_address"], "address key")
for lat, lng in [(37.42200, -122.08410), (51.50135, -0.14189), (48.85837, 2.29448)]:
    add("properties.lat", lat, ["precise_location"], "latitude")
    add(
        "properties.description",
        f"Store near {lat:.5f}, {lng:.5f}",
        ["precise_location"],
        "coordinate pair in text",
    )
for ip in ["203.0.113.45", "198.51.100.7", "8.8.4.4"]:
    add("properties.client_ip", ip, ["ip_address"], "IP under ip key")
add("properties.description", "Request from 203.0.113.99 blocked", ["ip_address"], "IP in text")
add("user.ip", "2001:db8::1", ["ip_address"], "IPv6 in Events API user.ip")


# ---------------------------------------------------------------- hard negatives
def neg(path: str, value: object, note: str) -> None:
    add(path, value, [], note)


for _ in range(40):
    ms = RNG.randrange(1_500_000_000_000, 1_800_000_000_000)
    neg(RNG.choice(["properties.ts", "properties.event_ms", "properties.order_ts"]), ms, "epoch ms")
    neg("properties.client_time", str(ms), "epoch ms as string")
for _ in range(20):
    neg("properties.event_time", RNG.randrange(1_500_000_000, 1_800_000_000), "epoch seconds")
for _ in range(30):
    neg("properties.request_id", str(uuid.UUID(int=RNG.getrandbits(128), version=4)), "UUIDv4")
for _ in range(10):
    neg(
        "properties.visit_id",
        str(uuid.uuid1(node=0x08C0EB4A45DE, clock_seq=RNG.randrange(16384))),
        "UUIDv1",
    )
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
for _ in range(20):
    ulid = "01" + "".join(RNG.choice(CROCKFORD) for _ in range(24))
    neg("properties.cart_id", ulid, "ULID")
    neg("properties.ttp", ulid + "_.tt.1", "_ttp 2025 shape")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
for _ in range(15):
    neg("properties.anon", "".join(RNG.choice(B64URL) for _ in range(27)), "_ttp 2023 shape")
for _ in range(20):
    ms = RNG.randrange(1_690_000_000_000, 1_790_000_000_000)
    neg(
        "properties.msg",
        f"messageId-{ms}-{RNG.randrange(10**12, 10**13)}-CQ8PJ3RC77U4LT2MKR2G",
        "message id",
    )
    neg(
        "properties.sess",
        f"{ms}::{''.join(RNG.choice(B64URL) for _ in range(20))}.1.{ms + 5000}.0",
        "ttcsid value",
    )
for _ in range(10):
    neg("properties.click", "E.C.P." + "".join(RNG.choice(B64URL) for _ in range(40)), "ttclid")
PIXEL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
for _ in range(15):
    neg(
        "properties.pixel",
        "C" + "".join(RNG.choice(PIXEL_ALPHABET) for _ in range(18)) + "G",
        "pixel code",
    )
for _ in range(30):
    price = RNG.randrange(100, 2_000_000) / 100
    neg("properties.value", price, "price number")
    neg("properties.price_text", f"${price:,.2f}", "price text")
for _ in range(20):
    neg(
        "properties.content_id",
        f"SKU-{RNG.randrange(1000, 99999)}-{RNG.choice('ABCDEFXYZ')}",
        "SKU",
    )
for _ in range(15):
    neg(
        "properties.zip_code", f"{RNG.randrange(10000, 99999)}-{RNG.randrange(1000, 9999)}", "ZIP+4"
    )
for _ in range(10):
    neg("context.user.zip_code", f"{RNG.randrange(10000, 99999)}", "ZIP")
for _ in range(30):
    neg("properties.order_id", str(RNG.randrange(10**5, 10**12)), "order number")
for _ in range(10):
    # 16-digit order ids that happen to pass Luhn and look like Visa: ids, not cards
    neg("properties.order_id", luhn_complete("4", 16), "Luhn-valid order id under id key")
for _ in range(20):
    neg("context.user.email", hashlib.sha256(RNG.randbytes(16)).hexdigest(), "sha256 email hash")
    neg("user.phone", hashlib.sha256(RNG.randbytes(16)).hexdigest(), "sha256 phone hash")
for _ in range(10):
    neg("properties.checksum", hashlib.md5(RNG.randbytes(8)).hexdigest(), "md5 value")  # noqa: S324
for _ in range(15):
    neg(
        "properties.iso_time",
        f"2026-0{RNG.randrange(1, 10)}-1{RNG.randrange(0, 10)}T10:0"
        f"{RNG.randrange(10)}:00.{RNG.randrange(100, 999)}Z",
        "ISO timestamp",
    )
for version in ["2.1.33", "legacy-2.2.1", "0.0.24", "1.2.3.4", "10.0.19045"]:
    neg("context.library.version", version, "SDK version")
for _ in range(10):
    neg("properties.tracking_number", f"1Z{RNG.randrange(10**15, 10**16)}", "UPS tracking")
for _ in range(10):
    neg(
        "properties.isbn",
        f"978-{RNG.randrange(0, 9)}-{RNG.randrange(100, 999)}-"
        f"{RNG.randrange(10000, 99999)}-{RNG.randrange(0, 9)}",
        "ISBN",
    )
for _ in range(10):
    neg("properties.gtin", str(RNG.randrange(10**12, 10**13)), "GTIN-13 barcode")
for text in [
    "Freestyle stroke technique for beginners",
    "Breast stroke drills",
    "Improve your backstroke",
    "Butterfly stroke: 4 tips",
    "Swim stroke counter watch",
    "Stroke rate calculator for rowing",
    "A stroke of genius",
    "Brush stroke effect",
    "Keystroke shortcuts",
    "Golf stroke analysis",
    "Cancer horoscope today",
    "Cancer zodiac sign traits",
    "Tropic of Cancer by Henry Miller",
    "Cancer season love forecast",
    "Meal prep containers, 10 pack",
    "Meal prep ideas for the week",
    "Prep time: 15 minutes",
    "Test prep course: SAT",
    "Food prep station",
    "The Great Depression: a history",
    "Tropical depression forms in the Atlantic",
    "Visual aids for teachers",
    "Study aids bundle",
    "Free delivery over $50",
    "Delivery date: Friday",
    "Billing period: monthly",
    "Trial period ends soon",
    "Password recovery",
    "Data recovery software",
    "Stress test your website",
    "Mood board templates",
    "Visit our store",
    "Transition effects for video",
    "Treatment of data",
    "Positive reviews only",
    "Schedule a demo",
    "Book a table for two",
    "Book an appointment with our stylist",
    "Hair appointment reminder",
    "Car service appointment",
    "Tax consultation",
    "Free consultation call",
    "Labor Day sale",
    "Period costume collection",
    "Conception of the project",
    "Early termination fee",
    "Chronic Tacos menu",
    "Lithium battery 18650",
    "Pill-shaped pillow",
    "Crossfit recovery drink",
    "Transplant your houseplants",
    "Seizure of assets notice",
    "Withdrawal from savings account",
    "Relapse into old habits (the novel)",
    "ED Sheeran tickets",
    "STD::vector tutorial",
    "Prep school uniforms",
    "Delivery in 2 days",
]:
    neg(
        RNG.choice(
            [
                "properties.content_name",
                "properties.description",
                "auto_collected_properties.trigger_element.inner_text",
            ]
        ),
        text,
        "health-looking word outside health",
    )
SHOP = [
    "Cotton T-shirt, size M",
    "Running shoes",
    "Add to cart",
    "Checkout",
    "Subscribe",
    "Sign up for our newsletter",
    "Summer sale -20%",
    "Wireless headphones",
    "Kitchen knife set",
    "Gift card",
    "Continue shopping",
    "Apply coupon",
    "View details",
    "Men's jeans 32x34",
    "Women's jacket",
    "Organic coffee beans 1kg",
    "LEGO set 42115",
    "Yoga mat",
    "Dog food 12kg",
    "Garden hose 30 m",
    "iPhone 15 case",
    "USB-C cable 2m",
    "Desk lamp",
    "Backpack 25L",
    "Standard shipping",
    "Express shipping",
    "Returns policy",
    "Contact us",
    "About us",
    "Track my order",
    "Size guide",
    "Wishlist",
    "Compare products",
    "Sort by price",
]
for text in SHOP:
    neg(
        RNG.choice(
            [
                "properties.content_name",
                "auto_collected_properties.trigger_element.inner_text",
                "properties.content_category",
            ]
        ),
        text,
        "ordinary shop text",
    )
for path in [
    "/products/running-shoes",
    "/collections/summer-sale?page=2",
    "/cart",
    "/checkout/shipping",
    "/blogs/news/spring-lookbook",
    "/pages/contact",
    "/search?q=red+dress",
    "/account/orders/100234",
    "/en-us/p/sku-4471?variant=33",
    "/?utm_source=tiktok&utm_medium=paid&utm_campaign=spring24",
]:
    neg("context.page.url", "https://shop.example.com" + path, "ordinary page URL")
for css in ["btn btn-primary", "mr-2", "add-to-cart__button js-add", "col-md-6 col-sm-12"]:
    neg("auto_collected_properties.trigger_element.attributes.class", css, "CSS class")
for widget in [
    "640x480",
    "1920x1080",
    "v=2&tid=G-ABC123",
    "image@2x.png",
    "icon@3x.webp",
    "user@localhost",
    "@shopexample on TikTok",
    "rgb(255, 0, 0)",
    "#FF5733",
]:
    neg("properties.description", widget, "odd strings")
for phoneish in ["Model 4155550132 vacuum", "Part no. 2125550187", "Call of Duty 2024"]:
    neg("properties.content_name", phoneish, "digit runs without phone context")
for serial in ["078-05-1120", "000-12-3456", "666-45-6789", "900-12-3456", "123-00-4567"]:
    neg("properties.description", f"Ref {serial}", "invalid SSN ranges")
for lat in [37.4, 51.5, 48.86]:
    neg("properties.lat", lat, "coarse coordinate")
for ip in ["192.168.1.10", "10.0.0.1", "127.0.0.1"]:
    neg("properties.description", f"internal host {ip}", "private IP in text")

OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
pos = sum(1 for r in records if r["labels"])
print(f"wrote {len(records)} fields ({pos} positive, {len(records) - pos} negative) to {OUT}")
