"""The wheel ships the stylesheets, and an installed wheel finds and loads them."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_installed_wheel_finds_styles(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(REPO)], check=True, timeout=300)
    wheel = next(dist.glob("jfsconsole-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("jfsconsole/styles/")}
    expected = {p.name for p in (REPO / "styles").glob("*.tcss")}
    assert expected and shipped == expected

    # Install into a venv that sees the dev venv's dependencies but not the source tree,
    # then ask the installed package where its styles are and let Textual parse them.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # The test venv's own dependencies, by path: a .pth line adds the directory without
    # running its .pth files, so the editable install of the checkout stays invisible.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=300)
    probe = (
        "import jfsconsole, sys\n"
        "from jfsconsole.tui.resources import styles_dir\n"
        "from textual.app import App\n"
        "from textual.css.stylesheet import Stylesheet\n"
        "d = styles_dir()\n"
        "assert 'site-packages' in str(d), d\n"
        "sheet = Stylesheet(variables=App().get_css_variables())\n"
        "for p in sorted(d.glob('*.tcss')):\n"
        "    sheet.read(p)\n"
        "sheet.parse()\n"
        "print(jfsconsole.__file__)\n"
        "print(len(list(d.glob('*.tcss'))))\n"
    )
    # Run from tmp_path with a clean sys.path so the checkout's package cannot shadow it.
    proc = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    installed_file, count = proc.stdout.split()
    assert str(REPO) not in installed_file
    assert int(count) == len(expected)
