#!/usr/bin/env python3
"""Makes the seed corpora in tests/fuzz/corpus/ from the real test inputs in tests/data/.

Seeds are small (a few kB at most), so that libFuzzer mutates quickly, and made from real files:
the tiny models' safetensors header and pickles, their pytorch_model.bin archives with the large
storage records left out, their JSON files, the reference sentences. Run from anywhere with the
standard library only; the output is deterministic, so the checked-in corpus can be remade.

    python3 tests/fuzz/make_seeds.py
"""

import json
import pathlib
import struct
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "data"
CORPUS = HERE / "corpus"
MODELS = ["tiny-bert-max", "tiny-bge-layout", "tiny-minilm-layout"]


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def safetensors_seeds():
    """The tiny model's real header, cut down to its smallest tensors with their real bytes."""
    raw = (DATA / "tiny-bert-max" / "model.safetensors").read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    data = raw[8 + length :]
    tensors = sorted(
        (k for k in header if k != "__metadata__"),
        key=lambda k: header[k]["data_offsets"][1] - header[k]["data_offsets"][0],
    )
    for count in (1, 3):
        kept = {"__metadata__": header["__metadata__"]}
        body = b""
        for name in sorted(tensors[:count]):
            begin, end = header[name]["data_offsets"]
            kept[name] = dict(header[name], data_offsets=[len(body), len(body) + end - begin])
            body += data[begin:end]
        text = json.dumps(kept, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)  # the safetensors library pads the header to 8 bytes
        write("safetensors", f"tiny-{count}-tensors", struct.pack("<Q", len(text)) + text + body)
    write("safetensors", "empty-header", struct.pack("<Q", 2) + b"{}")


def small_archive(path, limit=4096):
    """The archive's entries of at most `limit` bytes, copied byte for byte (local headers and
    all, as the writer that made them laid them out), with a new central directory."""
    raw = path.read_bytes()
    out = b""
    directory = b""
    kept = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.file_size > limit:
                continue
            start = info.header_offset
            name_length, extra_length = struct.unpack("<HH", raw[start + 26 : start + 30])
            end = start + 30 + name_length + extra_length + info.compress_size
            offset = len(out)
            out += raw[start:end]
            extra = info.extra
            directory += struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50, info.create_version, info.extract_version, info.flag_bits,
                info.compress_type, *_dos_time(info), info.CRC, info.compress_size,
                info.file_size, len(info.filename.encode()), len(extra), 0, 0, 0,
                info.external_attr, offset,
            ) + info.filename.encode() + extra
            kept += 1
    end_record = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, kept, kept, len(directory), len(out), 0)
    return out + directory + end_record


def _dos_time(info):
    year, month, day, hour, minute, second = info.date_time
    return (hour << 11 | minute << 5 | second // 2), ((year - 1980) << 9 | month << 5 | day)


def archive_seeds():
    for model in ("tiny-bert-max", "tiny-bge-layout"):
        path = DATA / model / "pytorch_model.bin"
        write("zip_archive", model, small_archive(path, limit=128))
        with zipfile.ZipFile(path) as archive:
            pickle = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
            write("state_dict_pickle", model, archive.read(pickle))


def tokenizer_seeds():
    """Reference sentences; the first byte is the length limit, high bit: the rest is UTF-16."""
    lines = (DATA / "tiny-bert-max" / "reference" / "sentences.jsonl").read_text("utf-8")
    records = [json.loads(line) for line in lines.split("\n") if line.strip()]
    for record in records[::4]:
        text = bytes.fromhex(record["text_utf8_hex"])
        limit = 0 if record["index"] % 8 == 0 else 12
        write("tokenizer", f"sentence-{record['index']:02d}", bytes([limit]) + text)
    emoji = "Caf\u00e9 \U0001F600 [MASK] \u4e2d\u6587".encode("utf-16-le")
    write("tokenizer", "utf16-units", bytes([0x80 | 16]) + emoji + b"\x00\xd8")  # a lone surrogate
    paragraphs = b"First sentence here. Second one!\n\nA new paragraph\nwrapped. \x0cPage two."
    write("tokenizer", "paragraphs", bytes([8]) + paragraphs)


def decoding_seeds():
    text = "Caf\u00e9 r\u00e9sum\u00e9 \u2014 \U0001F600\r\nsecond line\rthird\n"
    seeds = {
        "utf8": text.encode("utf-8"),
        "utf8-bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf16be-bom-odd": b"\xfe\xff" + text.encode("utf-16-be") + b"\x41",
        "windows-1252": "\u201cquoted\u201d \u20ac5 caf\u00e9\n".encode("cp1252"),
        "utf8-stray-byte": "Caf\u00e9 ".encode("utf-8") + b"\xff" + " r\u00e9sum\u00e9".encode("utf-8"),
        "binary": b"PNG\x00\x00\x00data",
        "empty": b"",
    }
    for name, data in seeds.items():
        write("text_decoding", name, data)


def markdown_seeds():
    """Markdown with every kind of markup the reader leaves out, in UTF-8 and UTF-16."""
    text = ("Intro before any heading.\n\n# Installation *Guide*\n\n"
            "Run the **installer** and follow [the steps](https://example.com/x \"t\").\n"
            "Caf\u00e9 _au lait_ is `optional`. ![logo](a.png) \\*literal\\*\n"
            "<!-- a comment\nover two lines -->\nUsage\n-----\n\n"
            "| Key | Meaning |\n|-----|:-------:|\n| q   | quit    |\n\n"
            "> Quoted words stay.\n\n1. First step.\n- [x] Done item.\n\n"
            "```sh\nmake install\n```\n[ref]: https://example.com/reference\n"
            "<b>bold</b> and <https://example.com/auto> text.\n")
    seeds = {
        "utf8": text.encode("utf-8"),
        "utf16le-bom": b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"),
        "unclosed": b"# *a [b](c `d <!-- e\n| f",
        "empty": b"",
    }
    for name, data in seeds.items():
        write("markdown", name, data)


def model_config_seeds():
    files = ["config.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
             "tokenizer_config.json", "config_sentence_transformers.json"]

    def parts(model):
        return [(DATA / model / f).read_bytes() if (DATA / model / f).exists() else b"" for f in files]

    for model in MODELS:
        write("model_config", model, b"\x00".join(parts(model)))
    # With a seventh part, the vocabulary: the real one's first lines, special tokens included.
    vocab = (DATA / "tiny-bert-max" / "vocab.txt").read_bytes().split(b"\n")[:110]
    with_vocab = parts("tiny-bert-max") + [b"\n".join(vocab) + b"\n"]
    write("model_config", "tiny-bert-max-vocab", b"\x00".join(with_vocab))


if __name__ == "__main__":
    safetensors_seeds()
    archive_seeds()
    tokenizer_seeds()
    decoding_seeds()
    markdown_seeds()
    model_config_seeds()
