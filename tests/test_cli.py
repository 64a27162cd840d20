"""The command line itself: examples in every ``--help``, ``-v``/``-q`` anywhere, usage errors.

Usage errors (an option's value out of range, a misspelled option or command) exit 2 with
one line naming the option, never a traceback; data errors in files stay exit 3.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harbor_planner import UsageError
from harbor_planner.cli import main

DATA = Path(__file__).parent / "data"
NETWORK = str(DATA / "network" / "diamond.geojson")
STATIONS = str(DATA / "stations" / "utf8.csv")

COMMANDS = [
    [],
    ["network"],
    ["network", "build"],
    ["network", "info"],
    ["stations"],
    ["stations", "check"],
    ["stations", "number"],
    ["isochrones"],
    ["coverage"],
    ["optimize"],
    ["map"],
    ["run"],
    ["compare"],
    ["demo"],
]


def run_main(capsys, argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)``'s exit code (argparse's SystemExit included), stdout and stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_help_ends_with_examples_of_that_command(capsys, command):
    code, out, _ = run_main(capsys, [*command, "--help"])
    assert code == 0
    _, sep, examples = out.partition("\nExamples:\n")
    assert sep, out
    lines = [line.strip() for line in examples.strip().splitlines()]
    assert 1 <= len(lines) <= 3
    prefix = " ".join(["harbor-planner", *command])
    assert all(line.startswith(prefix) for line in lines), lines
    assert "\n\n" not in examples.strip()  # the examples end the help


def test_examples_parse():
    """Every example is a valid command line: its options exist and its values are in range."""
    import shlex

    from harbor_planner.cli import _build_parser
    from harbor_planner.cli._usage import EXAMPLES, check_option_values

    for lines in EXAMPLES.values():
        for line in lines:
            args = _build_parser().parse_args(shlex.split(line)[1:])  # SystemExit if not
            check_option_values(args)
            assert args.cli_prog.split()[1] == shlex.split(line)[1]


def test_examples_of_district_figures_name_the_study_area():
    """Probe 27A: the coverage, optimize and map examples had no --study-area, so every
    district the Yuzhong extract grazes got a district figure (and 17 of 20 new sites)."""
    from harbor_planner.cli._usage import EXAMPLES

    for command in ("coverage", "optimize", "map"):
        lines = EXAMPLES[f"harbor-planner {command}"]
        assert all("--study-area 渝中区" in line for line in lines), lines
    top = [line for line in EXAMPLES["harbor-planner"] if " coverage " in line]
    assert top and all("--study-area" in line for line in top)


def test_verbosity_before_or_after_the_command(capsys, tmp_path):
    args = ["stations", "check", STATIONS, "--crs", "wgs84"]
    code, _, err = run_main(capsys, [*args, "-v"])
    assert code == 0 and "DEBUG" in err, err
    code, _, err_before = run_main(capsys, ["-v", *args])
    assert code == 0 and "DEBUG" in err_before
    code, _, err = run_main(capsys, [*args, "-q"])
    assert code == 0 and "INFO" not in err and "DEBUG" not in err
    code, _, err = run_main(capsys, ["-v", *args, "-q"])
    assert code == 2 and "not allowed with" in err


def test_options_after_the_command_keep_the_ones_before():
    from harbor_planner.cli import _build_parser

    parser = _build_parser()
    args = parser.parse_args(["-q", "--no-progress", "network", "info", "x.npz"])
    assert args.quiet and not args.verbose and args.progress is False
    args = parser.parse_args(["network", "info", "x.npz", "--no-progress", "-v"])
    assert args.verbose and not args.quiet and args.progress is False
    args = parser.parse_args(["network", "info", "x.npz"])
    assert not args.verbose and not args.quiet and args.progress is None


BASE = ["--network", NETWORK, "--stations", STATIONS, "--crs", "wgs84"]


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["coverage", *BASE, "--minutes", "0"], "--minutes"),
        (["coverage", *BASE, "--minutes", "abc"], "--minutes"),
        (["coverage", *BASE, "--minutes", "5,10"], "--minutes"),
        (["coverage", *BASE, "--max-dist", "-1"], "--max-dist"),
        (["coverage", *BASE, "--walk-speed", "-1"], "--walk-speed"),
        (["coverage", *BASE, "--walk-speed", "nan"], "--walk-speed"),
        (["coverage", *BASE, "--walk-model", "hilly"], "--walk-model"),
        (["coverage", *BASE, "--exit-candidates", "150"], "--exit-candidates"),
        (["coverage", *BASE, "--status", "bogus"], "--status"),
        (["coverage", *BASE, "--demand", "grid:-5"], "--demand"),
        (["coverage", *BASE, "--map-bands", "5,-1"], "--map-bands"),
        (["optimize", *BASE, "--add", "-5"], "--add"),
        (["optimize", *BASE, "--add", "0"], "--add"),
        (["optimize", *BASE, "--mode", "cover", "--target", "150"], "--target"),
        (["optimize", *BASE, "--add", "3", "--min-cover", "0"], "--min-cover"),
        (["optimize", *BASE, "--stages", "2025:x"], "--stages"),
        (["optimize", *BASE, "--add", "3", "--stages", "2025:1,2026:1"], "--add"),
        (["isochrones", *BASE, "--workers", "0"], "--workers"),
        (["isochrones", *BASE, "--method", "grid", "--cell", "40"], "--cell"),
        (["isochrones", *BASE, "--corridor", "-3"], "--corridor"),
        (["isochrones", *BASE, "--memory-limit", "0"], "--memory-limit"),
        (["network", "info", NETWORK, "--walk-speed", "25"], "--walk-speed"),
    ],
)
def test_option_values_are_usage_errors(capsys, tmp_path, argv, option):
    out = tmp_path / ("iso.gpkg" if argv[0] == "isochrones" else "out")
    argv = [*argv, "--out", str(out)] if argv[0] != "network" else argv
    code, _, err = run_main(capsys, ["-q", *argv])
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    cmd = " ".join(argv[:2]) if argv[0] == "network" else argv[0]
    assert lines[0].startswith(f"harbor-planner {cmd}: error: {option}"), lines
    assert not out.exists()


def test_usage_error_in_a_subprocess_is_one_line_without_traceback(tmp_path):
    argv = [sys.executable, "-m", "harbor_planner", "optimize", *BASE, "--add", "-5",
            "--out", str(tmp_path / "o")]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    expected = "harbor-planner optimize: error: --add -5: expected 1 or more sites"
    assert proc.stderr.strip() == expected
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run"], "harbor-planner run: error: the following arguments are required: scenario"),
        (["nonsense"], "harbor-planner: error: argument COMMAND: invalid choice: 'nonsense'"),
        (["run", "--bogus"], "harbor-planner run: error: unrecognized arguments: --bogus"),
        (
            ["run", "--workerz", "2"],
            "unrecognized arguments: --workerz (did you mean --workers?)",
        ),
        (["coverage", "--minutes", "5"], "the following arguments are required: --network"),
    ],
)
def test_argparse_errors_are_one_line_naming_help(capsys, argv, expected):
    """argparse's own errors: one line (no usage block), the mistake first, where help is."""
    code, _, err = run_main(capsys, argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert expected in lines[0] and lines[0].endswith("--help)"), lines[0]


def test_a_missing_file_stays_a_data_error(capsys, tmp_path):
    argv = ["coverage", "--network", NETWORK, "--stations", str(tmp_path / "none.csv"),
            "--out", str(tmp_path / "o")]  # fmt: skip
    code, _, err = run_main(capsys, argv)
    assert code == 3 and "none.csv" in err


def test_set_overrides_stay_scenario_errors(capsys, tmp_path):
    from harbor_planner.scenario import demo_scenario_path

    argv = ["run", str(demo_scenario_path()), "--out", str(tmp_path / "o"),
            "--set", "network.walk_speed_kmh=-1"]  # fmt: skip
    code, _, err = run_main(capsys, argv)
    assert code == 3 and "--set network.walk_speed_kmh" in err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["coverage", *BASE, "--mintues", "15", "--out", "o"], "did you mean --minutes?"),
        (["optimize", *BASE, "--add", "3", "--solvr=exact", "--out", "o"], "--solver"),
        (["network", "info", "x.npz", "--walk-sped", "3"], "did you mean --walk-speed?"),
        (["covrage"], "did you mean coverage?"),
        (["network", "biuld"], "did you mean build?"),
        (["coverage", *BASE, "--basemap", "amapp"], "did you mean amap?"),
    ],
)
def test_misspellings_suggest_the_closest(capsys, argv, hint):
    code, _, err = run_main(capsys, argv)
    assert code == 2
    assert hint in err.strip().splitlines()[-1], err


def test_no_suggestion_for_a_word_like_no_option(capsys):
    code, _, err = run_main(capsys, ["coverage", *BASE, "--out", "o", "--zzzzqq"])
    assert code == 2 and "unrecognized arguments: --zzzzqq" in err and "did you mean" not in err


def test_usage_error_is_part_of_the_api():
    exc = UsageError("--minutes 0: expected positive numbers", option="--minutes")
    assert exc.exit_code == 2 and exc.option == "--minutes" and isinstance(exc, ValueError)


def test_a_station_file_whose_every_row_is_rejected_names_the_first_reason(capsys, tmp_path):
    """A GBK CSV with only bad rows: one line naming the file, the first bad row, its column
    and the fix, and where the full list is; exit 3, nothing written."""
    bad = tmp_path / "bad.csv"
    bad.write_bytes("编号,名称,经度,纬度\nA1,站一,106.57,abc\nA2,站二,,29.55\n".encode("gbk"))
    out = tmp_path / "o"
    argv = ["coverage", "--network", NETWORK, "--stations", str(bad), "--crs", "gcj02",
            "--out", str(out)]  # fmt: skip
    code, _, err = run_main(capsys, ["-q", *argv])
    lines = err.strip().splitlines()
    assert code == 3 and len(lines) == 1, err
    assert "bad.csv" in lines[0] and "every one of its 2 rows was rejected" in lines[0]
    assert "row 2, column 纬度" in lines[0] and "decimal degrees" in lines[0]
    assert "harbor-planner stations check" in lines[0]
    assert not out.exists()
    code, _, err = run_main(capsys, argv)  # not quiet: no "continuing" before the failure
    assert code == 3 and "every one of its 2 rows was rejected" in err
    assert "continuing" not in err and not out.exists()


def test_the_cli_starts_without_loading_the_analysis_stack():
    """`harbor-planner` loads pandas, geopandas and the pipeline only in the command run: its
    start (and --help) stays fast, and Ctrl-C in the first second is handled, not a traceback
    from inside an import."""
    code = (
        "import sys, harbor_planner.cli\n"
        "heavy = [m for m in ('pandas', 'geopandas', 'harbor_planner.pipeline', 'folium')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "", res.stdout


def test_replacement_sites_without_exits_are_a_usage_error(tmp_path, capsys):
    """Probe 17H: ``coverage --candidates`` without ``--exit-candidates`` was ignored."""
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent
    code = main(["coverage", "--network", str(demo / "yuzhong_walk.osm.bz2"), "--stations",
                 str(demo / "stations.csv"), "--crs", "gcj02", "--candidates", "auto",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--candidates are the replacement sites of --exit-candidates" in err
    assert not (tmp_path / "o").exists()


def test_main_street_classes_are_set_only_when_given():
    """Probe 19W: `--main-street-classes` had a default, so every `coverage --demand
    buildings:...` warned that demand.main_street_classes is not used, and run.json recorded
    classes nobody gave."""
    from harbor_planner.cli import _build_parser
    from harbor_planner.cli._options import demand_settings

    parser = _build_parser()
    common = ["coverage", "--network", "n.npz", "--stations", "s.csv", "--out", "o"]
    args = parser.parse_args([*common, "--demand", "buildings:b.osm"])
    assert "main_street_classes" not in demand_settings(args)
    args = parser.parse_args([*common, "--main-street-classes", "primary, trunk"])
    assert demand_settings(args)["main_street_classes"] == ["primary", "trunk"]


def test_run_names_the_setting_another_commands_option_stands_for(capsys, tmp_path):
    """Probe 19W: `run --no-range` was "did you mean --no-progress?"; the README's way is
    `--set coverage.range=false`. A Tianditu map without its key named the Python keyword."""
    from harbor_planner.scenario import demo_scenario_path

    demo = str(demo_scenario_path())
    cases = {
        "--no-range": "did you mean --set coverage.range=false?",
        "--walk-sped": "did you mean --set network.walk_speed_kmh=...?",
        "--minutes": "did you mean --set coverage.minutes=...?",
    }
    for option, hint in cases.items():
        code, _, err = run_main(capsys, ["run", demo, "--out", str(tmp_path / "o"), option])
        assert code == 2 and hint in err, err
    code, _, err = run_main(capsys, ["coverage", "--network", "n.npz", "--stations", "s.csv",
                                     "--out", "o", "--no-rage"])  # fmt: skip
    assert code == 2 and "did you mean --no-range?" in err  # a command's own option first
    from harbor_planner.outputs.map import make_map

    with pytest.raises(Exception, match="give --tianditu-key"):
        make_map(basemap="tianditu", tianditu_key=None)


def test_shared_options_are_described_for_the_command_they_are_on():
    """Probe 19W: `map --help` said the study area confines "demand, new sites and the
    district tables" (map has none), its bands followed "the walking limit" (it has none) and
    `--memory-limit` won over a scenario setting on commands that read no scenario."""
    from harbor_planner.cli import _build_parser

    parser = _build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices

    def helps(command: str) -> dict[str, str]:
        return {o: a.help for a in sub[command]._actions for o in a.option_strings}

    for drawn in ("map", "isochrones"):
        assert "stations drawn" in helps(drawn)["--study-area"]
        assert "coverage.memory_limit_gb" not in helps(drawn)["--memory-limit"]
    assert "new sites" in helps("coverage")["--study-area"]
    assert "walking limit" not in helps("map")["--map-bands"]
    assert "walking limit" in helps("coverage")["--map-bands"]
    assert "coverage.memory_limit_gb" in helps("run")["--memory-limit"]


def test_the_same_warning_is_said_once_per_command():
    """Probe 19W: "7 of 3666 points are farther than 150 m" was logged up to three times,
    once per search of the same points; INFO lines (per step) are left as they are."""
    import logging

    from harbor_planner.cli import _WarnOnce

    once = _WarnOnce()

    def rec(level: int, msg: str, *args) -> logging.LogRecord:
        return logging.LogRecord("harbor_planner.x", level, "f", 1, msg, args, None)

    far = (logging.WARNING, "%d of %d points are farther", 7, 3666)
    assert once.filter(rec(*far)) and not once.filter(rec(*far))
    assert once.filter(rec(logging.WARNING, "%d of %d points are farther", 8, 3666))
    assert once.filter(rec(logging.INFO, "step")) and once.filter(rec(logging.INFO, "step"))


def test_every_set_hint_names_a_setting_that_exists():
    """Probe 19R: `run --min-spacing` and `run --lang` were pointed at demand.spacing_m (a
    near spelling), which silently changed the demand's spacing when followed."""
    from harbor_planner.cli._usage import _SET_FORM
    from harbor_planner.errors import ScenarioError
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    for option, form in _SET_FORM.items():
        key = form.split("=")[0]
        try:
            load_scenario(demo_scenario_path(), overrides=[f"{key}=1"])
        except ScenarioError as exc:
            assert "unknown key" not in str(exc), (option, form, str(exc))
    assert _SET_FORM["--min-spacing"].startswith("optimize.min_spacing_m")
    assert _SET_FORM["--lang"].startswith("output.lang")


def test_a_missing_tianditu_key_stops_a_run_before_its_work(tmp_path, capsys, monkeypatch, caplog):
    """Probe 25E: coverage, range and plan were computed, then the run stopped for the key."""
    import logging

    from harbor_planner.scenario import demo_scenario_path

    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    demo = str(demo_scenario_path())
    argv = ["run", demo, "--out", str(tmp_path / "o"), "--set", 'output.basemap="tianditu"']
    with caplog.at_level(logging.INFO):
        code, _, err = run_main(capsys, argv)
    assert code == 3 and "needs a Tianditu key" in err and "--set output.basemap" in err, err
    assert "with run, --set output.tianditu_key=KEY" in err  # run has no --tianditu-key
    assert "coverage" not in caplog.text.lower() and not (tmp_path / "o").exists()
    no_map = [*argv, "--set", 'output.formats=["tables"]']  # no map, no key needed
    monkeypatch.setenv("TIANDITU_KEY", "")
    assert run_main(capsys, [*no_map, "--set", "optimize.enabled=false"])[0] == 0
