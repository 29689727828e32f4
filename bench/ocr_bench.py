"""OCR accuracy: character error rate of Tesseract on generated text images, per language.

Usage: ``python bench/ocr_bench.py [--languages LANGS] [--size PX]``

Renders benign sentences in English, Vietnamese and Khmer with free fonts (DejaVu Sans for en
and vi, Khmer OS for km; Debian's fonts-dejavu-core and fonts-khmeros), reads each image back
with ``childguard.media.intel.ocr.read_text`` using the languages childguard is configured with
(``khm+vie+eng`` by default, or ``--languages``) and prints each language's character error rate
(edit distance / reference length; spaces ignored for Khmer, which does not separate words)
against the targets of issue 20: <= 5 % for en and vi, <= 15 % for km.
"""

from __future__ import annotations

import argparse
import time
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from childguard.media.intel.ocr import read_text

FONTS = {
    "en": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "vi": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "km": Path("/usr/share/fonts/truetype/khmeros/KhmerOS.ttf"),
}
TARGETS = {"en": 0.05, "vi": 0.05, "km": 0.15}
SENTENCES = {
    "en": [
        "The school opens at seven in the morning.",
        "We buy fresh fruit at the market on Sunday.",
        "Please call the helpline if you need support.",
        "The library has new books for young readers.",
        "It will rain this afternoon in the city.",
        "Our team won the football match yesterday.",
    ],
    "vi": [
        "Hôm nay trời đẹp quá.",
        "Tôi thích đọc sách ở thư viện.",
        "Trường học mở cửa lúc bảy giờ sáng.",
        "Chúng tôi đi chợ vào cuối tuần.",
        "Mẹ nấu cơm cho cả gia đình.",
        "Xe buýt đến trễ mười phút.",
    ],
    "km": [
        "សួស្តី ពិភពលោក",
        "ខ្ញុំចូលចិត្តអានសៀវភៅ",
        "ថ្ងៃនេះអាកាសធាតុល្អណាស់",
        "សាលារៀនបើកនៅពេលព្រឹក",
        "យើងទៅផ្សារនៅថ្ងៃអាទិត្យ",
        "ម្តាយធ្វើម្ហូបឱ្យក្រុមគ្រួសារ",
    ],
}


def render(text: str, font_path: Path, size: int) -> Image.Image:
    """Black text on white with a margin, the way a screenshot or a poster shows it."""
    font = ImageFont.truetype(str(font_path), size)
    left, top, right, bottom = font.getbbox(text)
    width, height = int(right - left + 2 * size), int(bottom - top + 2 * size)
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((size - left, size - top), text, fill="black", font=font)
    return img


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def normalise(text: str, lang: str) -> str:
    """NFC, single spaces; no spaces at all for Khmer."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text.replace(" ", "").replace("\u200b", "") if lang == "km" else text


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--languages", default="khm+vie+eng")
    parser.add_argument("--size", type=int, default=40, help="font size in pixels")
    args = parser.parse_args()
    print(f"Tesseract languages {args.languages}, font size {args.size} px")
    ok = True
    for lang, sentences in SENTENCES.items():
        errors = chars = 0
        start = time.perf_counter()
        for sentence in sentences:
            got = read_text(render(sentence, FONTS[lang], args.size), args.languages)
            ref = normalise(sentence, lang)
            errors += edit_distance(ref, normalise(got, lang))
            chars += len(ref)
        seconds = (time.perf_counter() - start) / len(sentences)
        cer = errors / chars
        verdict = "meets" if cer <= TARGETS[lang] else "misses"
        ok = ok and cer <= TARGETS[lang]
        print(
            f"{lang}: CER {100 * cer:5.2f} % over {chars} characters "
            f"(target <= {100 * TARGETS[lang]:.0f} %: {verdict}), {seconds:.2f} s per image"
        )
    print("all targets met" if ok else "some targets missed")


if __name__ == "__main__":
    main()
