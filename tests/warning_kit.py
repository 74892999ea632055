"""Sample city languages for the Substanzwarnung tests (#18): Arabic and Farsi as a city
would enter them in the language editor, and one warning's own text in each language."""

from __future__ import annotations

from datetime import date

ARABIC = {
    "code": "ar", "name": "العربية", "name_de": "Arabisch",
    "heading": "تحذير من مادة خطرة",
    "labels": {"substance": "المادة", "where": "المكان", "since": "منذ",
               "valid_until": "صالح حتى", "advice": "ماذا تفعل؟", "issued_by": "صادر عن"},
    "advice": ["ابدأ بكمية صغيرة وانتظر.", "لا تتعاط بمفردك.", "احمل النالوكسون معك."],
    "footer": "الطوارئ: 112", "date_format": "DD/MM/YYYY",
}

FARSI = {
    "code": "fa", "name": "فارسی", "name_de": "Persisch (Farsi)",
    "heading": "هشدار درباره مواد خطرناک",
    "labels": {"substance": "ماده", "where": "مکان", "since": "از تاریخ",
               "valid_until": "معتبر تا", "advice": "چه باید کرد؟", "issued_by": "صادر شده توسط"},
    "advice": ["پیش از مصرف بیشتر صبر کنید.", "هرگز تنها مصرف نکنید.",
               "در وضعیت اضطراری با اورژانس تماس بگیرید."],
    "footer": "اورژانس: 112", "date_format": "YYYY/MM/DD",
}

# the warning's own text per language: substance, title, where, advice lines
OWN = {
    "de": ("Nitazene", "Nitazene in Proben, die als Heroin verkauft wurden",
           "Bahnhofsviertel, Drogenkonsumraum", ["Nitazene wirken viel stärker als Heroin."]),
    "de-LS": ("Nitazene", "Im Heroin sind gefährliche Stoffe",
              "Bahnhofs·viertel", ["Die Stoffe heißen Nitazene."]),
    "en": ("Nitazenes", "Nitazenes in samples sold as heroin",
           "Bahnhofsviertel, consumption room", ["Nitazenes are far stronger than heroin."]),
    "ar": ("نيتازين", "نيتازين في عينات بيعت على أنها هيروين", "محطة القطار الرئيسية",
           ["النيتازين أقوى بكثير من الهيروين."]),
    "fa": ("نیتازن", "نیتازن در نمونه های فروخته شده به جای هروئین", "ایستگاه مرکزی قطار",
           ["نیتازن بسیار قوی تر از هروئین است."]),
}

SINCE, VALID_UNTIL, ISSUED_ON = date(2026, 11, 9), date(2026, 12, 7), date(2026, 11, 18)
