"""The pack: text is inert in every chart and page, templates are checked from
the zip directory and trimmed to what the pack uses, bad --to / --out get one line."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from pptx import Presentation

from swp_data import store
from swp_data.errors import InputError
from swp_data.report import pack, performance, priorities
from swp_data.report.pack import html as pack_html
from swp_data.report.pack import pptx as pack_pptx

TO = "2026-09"
LINK = '<a href="https://evil.example/x">Click</a> Drugs'


def test_a_priority_name_with_a_link_is_inert_in_charts(demo_store_path, tmp_path):
    with store.transaction() as con:
        priorities.add_priority(con, LINK, ("Drugs",))
    with store.reading() as con:
        rep = performance.report(con, TO)
    row = next(r for r in rep.rows if r.priority.label == LINK)
    fig = pack_html.figure(row)
    assert "<a" not in fig.layout.title.text and "&lt;a href=" in fig.layout.title.text
    assert "<a" not in fig.data[0].name
    (out,) = pack.build_pack("html", tmp_path, to_month=TO)
    text = out.read_text(encoding="utf-8")
    specs = [json.loads(m) for m in re.findall(r'type="application/json"[^>]*>(.*?)</script>', text, re.S)]
    assert len(specs) == len(rep.rows)
    titles = json.dumps(specs)
    assert "&lt;a href=" in titles
    assert "<a href" not in titles and "\\u003ca href" not in titles
    assert '<a href="https://evil.example' not in text


def _template(tmp_path, thumbnail: bytes | None = None, extra_parts: int = 0):
    buf = io.BytesIO()
    Presentation().save(buf)
    out = tmp_path / "t.pptx"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/thumbnail.jpeg" and thumbnail is not None:
                data = thumbnail
            dst.writestr(item.filename, data)
        for i in range(extra_parts):
            dst.writestr(f"customXml/item{i}.xml", "<a/>")
    return out


def test_a_thumbnail_that_inflates_is_refused_before_reading(tmp_path):
    bomb = _template(tmp_path, thumbnail=b"\0" * (4 * 2**20))  # 4 MB of zeros: ~1,000 times
    with pytest.raises(InputError) as e:
        pack_pptx.open_template(bomb)
    assert "docProps/thumbnail.jpeg" in str(e.value) and "times: not a slide template" in str(e.value)
    assert "\n" not in str(e.value)


def test_template_limits_both_sides(tmp_path, monkeypatch):
    ok = _template(tmp_path)
    pack_pptx.check_zip(ok)
    n = len(zipfile.ZipFile(ok).infolist())
    monkeypatch.setattr(pack_pptx, "MAX_TEMPLATE_PARTS", n)
    pack_pptx.check_zip(ok)
    monkeypatch.setattr(pack_pptx, "MAX_TEMPLATE_PARTS", n - 1)
    with pytest.raises(InputError, match="parts, more than"):
        pack_pptx.check_zip(ok)
    monkeypatch.setattr(pack_pptx, "MAX_TEMPLATE_PARTS", 1000)
    total = sum(i.file_size for i in zipfile.ZipFile(ok).infolist())
    monkeypatch.setattr(pack_pptx, "MAX_TEMPLATE_INFLATED", total)
    pack_pptx.check_zip(ok)
    monkeypatch.setattr(pack_pptx, "MAX_TEMPLATE_INFLATED", total - 1)
    with pytest.raises(InputError, match="inflates to"):
        pack_pptx.check_zip(ok)


def test_the_pack_carries_only_the_layouts_it_uses(demo_store_path, tmp_path):
    tpl = _template(tmp_path, thumbnail=bytes(range(256)) * 40)
    (out,) = pack.build_pack("pptx", tmp_path / "out", to_month=TO, template=tpl)
    names = zipfile.ZipFile(out).namelist()
    assert not [n for n in names if "thumbnail" in n]
    layouts = [n for n in names if re.match(r"ppt/slideLayouts/slideLayout\d+\.xml$", n)]
    assert 1 <= len(layouts) <= 2  # the default template has 11
    assert len(Presentation(str(out)).slide_layouts) <= 2


@pytest.mark.parametrize("to", ["0000-05", "1999-12", "2026-13", "26-05", "abcd-ef"])
def test_bad_to_is_one_line(to):
    with pytest.raises(InputError) as e:
        pack.parse_month(to)
    assert str(e.value).startswith(f"--to {to!r}: give the last month as YYYY-MM")


def test_cli_bad_to_and_empty_out(demo_store_path, tmp_path, capsys, monkeypatch):
    from swp_data.cli import main

    assert main(["pack", "--to", "0000-05", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--to '0000-05': give the last month as YYYY-MM" in err
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "--to", TO, "--format", "html", "--out", ""]) == 2
    assert capsys.readouterr().err == 'error: --out "": give the folder to write the pack in\n'
    assert not list(tmp_path.glob("swp-performance-*"))
