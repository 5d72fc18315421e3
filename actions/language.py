"""Tells whether a message is English or Indonesian, so the bot answers in the user's language.

Counts marker words of each language; a message with no clear marker (a place name, an emoji, or
words both languages use in chat such as "ok", "no", "bot", "wkwk") keeps the language of the
conversation so far.
"""

import re
from typing import Optional

INDONESIAN, ENGLISH = "id", "en"

ENGLISH_WORDS = {
    "about", "am", "an", "any", "app", "are", "can", "check", "claim", "contribution",
    "contributions", "could", "coverage", "do", "does", "get", "good", "hello", "help", "hey",
    "hi", "hospital", "hospitals", "how", "human", "if", "in", "is", "it", "live", "many",
    "me", "merge", "morning", "much", "my", "near", "nearest", "need", "of", "office", "offices",
    "pay", "please", "subsidy", "talking", "thank", "thanks", "the", "there", "to", "track", "wage",
    "was", "what", "when", "where", "which", "who", "why", "with", "work", "worker", "workers",
    "would", "you", "your", "bye", "goodbye", "accident", "treatment", "eligible", "paid",
    "list", "show", "tell", "west", "features", "should", "want", "from", "they", "this", "that",
    "yes", "see", "hurt", "injured", "healthcare", "weather", "who's", "what's", "and", "for",
    # content words of short English questions that Indonesian chat does not use ("jkm benefit
    # amount", "bsu requirements", "bpu fee per month"; a fresh-user trial, 2026-12-07); never a
    # word of a Kalbar place name ("i" of "Desa Peniti Dalam I", "lot"), which would make a place
    # reply English
    "amount", "benefit", "benefits", "requirement", "requirements", "fee", "fees",
    "month", "monthly", "forgot", "cant", "can't", "failed", "keeps", "verification", "register",
    "registration", "meaning", "still", "while", "already", "yet", "i'm", "i'll", "u",
    "withdraw", "scholarship", "pension", "death", "died", "balance", "salary", "company",
    "employer", "money", "payment", "apply", "join", "kids", "children", "wife", "husband",
    "documents", "without", "after", "before", "will", "have", "has", "been", "be", "or", "not",
    "number", "helpful", "really", "wrong", "went", "something", "shows", "town", "now",
    "right", "later", "gotta", "thx", "tysm", "hope", "doing", "well",
}
INDONESIAN_WORDS = {
    "ada", "aja", "apa", "apakah", "atau", "bagaimana", "bang", "bantuan", "bapak", "bayar",
    "berapa", "bisa", "brp", "bu", "buat", "cara", "dan", "dapat", "dapet", "dari", "deh", "dekat",
    "di", "dimana", "dmn", "dong", "gak", "ga", "gimana", "gmn", "halo", "hai", "ibu", "ini",
    "itu", "iya", "jumlah", "kak", "kalau", "kalo", "kami", "kamu", "kantor", "kapan", "ke", "kecelakaan",
    "kerja", "klo", "kntr", "lewat", "mana", "mas", "mau", "min", "nya", "pak", "pagi", "saya",
    "selamat", "siang", "sih", "sore", "sy", "tdk", "terdekat", "terima", "kasih", "makasih",
    "tidak", "tolong", "untuk", "yang", "yg", "ya", "apaan", "gimana", "berobat", "sakit",
    "syarat", "siapa", "pekerja", "cakupan", "persen", "banyak", "tinggal", "malam", "dadah",
    "sampai", "jumpa", "trims", "tq", "kah", "nih", "udah", "sudah", "belum", "punya", "aplikasi",
    "bodoh", "dasar", "lu", "lo", "gue", "gua", "kamek", "kitak", "ape", "bah", "ndak",
}


# A button's payload or a typed command ("/ask_help", "/restart", '/inform_place{"place": ...}')
# says nothing about the user's language: the conversation's language is kept.
PAYLOAD = re.compile(r"^/\w+(?:@[\w.]+)?(?:\{.*\})?\s*$", re.S)


# A message that only asks for the answer in the other language ("in English please", "bisa
# pake bahasa indonesia?", "english pls"): every word is one of these, and one names a language.
LANGUAGE_WORDS = {ENGLISH: {"english", "inggris", "inggeris", "engl"},
                  INDONESIAN: {"indonesian", "indonesia", "indo"}}
LANGUAGE_REQUEST_WORDS = set().union(*LANGUAGE_WORDS.values()) | {
    "in", "into", "to", "language", "version", "translation", "translated", "translate", "please",
    "pls", "plz", "can", "could", "you", "u", "answer", "reply", "say", "write", "explain", "that",
    "it", "this", "again", "the", "same", "and", "now", "speak", "only", "i", "don't", "dont",
    "understand", "for", "me", "ok", "okay", "sorry", "bahasa", "bhs", "bhsa", "terjemah",
    "terjemahan", "terjemahkan", "terjemahin", "tolong", "bisa", "bs", "bisakah", "pake", "pakai",
    "pakek", "dalam", "dlm", "dengan", "dgn", "versi", "jawab", "jawaban", "jawabannya", "ulang",
    "ulangi", "dong", "ya", "sih", "aja", "saja", "mau", "minta", "ga", "gak", "nggak", "tidak",
    "kah", "nya", "yg", "yang", "ke", "bah", "kak", "min", "pak", "bu", "maaf", "ngerti", "paham",
    "tdk", "kamek", "saya", "sy", "lagi", "tadi", "itu", "ini"}


def requested_language(text: Optional[str]) -> Optional[str]:
    """'en' or 'id' when `text` only asks for the answer in that language (LANGUAGE_REQUEST_WORDS
    and a word of LANGUAGE_WORDS: "and in Indonesian please?", "bisa dlm bahasa inggris?"), else
    None ("is there an office in Indonesia?" asks something else)."""
    words = set(re.findall(r"[a-z']+", (text or "").lower()))
    if not words or not words <= LANGUAGE_REQUEST_WORDS:
        return None
    return next((lang for lang, names in LANGUAGE_WORDS.items() if words & names), None)


def detect_language(text: Optional[str], previous: Optional[str] = None) -> str:
    """'en' or 'id' for a message; ties fall back to the previous language, else Indonesian."""
    words = re.findall(r"[a-z']+", PAYLOAD.sub("", (text or "").strip()).lower())
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    indonesian = sum(1 for w in words if w in INDONESIAN_WORDS)
    if english > indonesian:
        return ENGLISH
    if indonesian > english:
        return INDONESIAN
    return previous if previous in (ENGLISH, INDONESIAN) else INDONESIAN
