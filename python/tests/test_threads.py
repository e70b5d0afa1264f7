"""Many threads at once: the native calls release the GIL, so they must be safe to overlap."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Tuple, TypeVar

import gradreg
from gradreg import Actor, Command, Registration, Registry

from conftest import ALL_STEPS, NOW, walk

T = TypeVar("T")


def test_validation_and_state_machine_from_many_threads() -> None:
    def work(i: int) -> Tuple[int, str, int]:
        b = gradreg.sample.basic_info()
        if i % 2:
            b.id_number = "3.20102E+17"
        reg = walk(Registration(f"r{i}"), ALL_STEPS)
        return i, reg.stage(NOW), len(b.problems())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(64)))
    for i, stage, problems in results:
        assert stage == "authorized"
        assert (problems > 0) == bool(i % 2)


def test_one_registry_from_many_threads(tmp_path: "object") -> None:
    reg = Registry.open(str(tmp_path))
    grads = {}
    for i in range(40):
        b = gradreg.sample.basic_info()
        b.id_number = gradreg.sample.id_number("320102", "20040315", i, True)
        b.student_number = f"2022{i:06d}"
        grads[f"k{i:02d}"] = b
    reg.upload(grads, Actor.school_office("s", "10327"), NOW)

    def work(key: str) -> List[str]:
        b = grads[key]
        chsi = gradreg.ChsiAccount(
            name=b.name, id_number=b.id_number, student_record_bound=True, phone=b.phone, email=b.email
        )
        grad = Actor.graduate(b.id_number)
        stages = []
        for actor, command in [
            (Actor.chsi(), Command.update_chsi_account(chsi)),
            (grad, Command.login()),
            (grad, Command.confirm_basic_info()),
            (Actor.provincial_platform("p"), Command.report_destination(gradreg.sample.destination_data())),
            (grad, Command.confirm_destination()),
        ]:
            stages.append(reg.apply(key, actor, command, NOW).registration.stage(NOW))
        reg.statistics(NOW)
        return stages

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(zip(grads, pool.map(work, grads)))
    for key, stages in results.items():
        assert stages[-1] == "confirmed", key
    stats = reg.statistics(NOW)
    assert stats.by_stage == {"confirmed": 40}
    assert reg.check_audit().intact
    assert reg.check_audit().records == 40 * 6


def _spinning_while(call: Callable[[], T]) -> Tuple[T, int, float]:
    """Runs ``call`` while another Python thread spins; returns its result, the spins that
    happened during the call, and the call's duration."""
    ticks: List[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        result = call()
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    return result, len([x for x in ticks if start < x < end]), end - start


# Holding the GIL, the core would leave the spinning thread at most a tick or two (the
# interpreter's switch interval is 5 ms); released, the thread runs throughout the call.


def test_the_gil_is_released_during_an_upload() -> None:
    reg = Registry.in_memory()
    rows = []
    for i in range(1500):
        b = gradreg.sample.basic_info()
        b.id_number = gradreg.sample.id_number("320102", f"200401{1 + i // 100:02d}", i % 100, True)
        b.student_number = f"2022{i:06d}"
        rows.append([f"k{i}", b.to_dict()])
    body = json.dumps(rows)  # encoded beforehand, so the call below is native work only
    actor = Actor.school_office("s", "10327")._wire()
    out, spins, took = _spinning_while(
        lambda: reg._n.upload_batch(body, actor, NOW.isoformat(), False)
    )
    assert all(r["result"] == "created" for r in json.loads(out))
    assert spins > 1000, (spins, took)


def test_the_gil_is_released_during_a_roster_import() -> None:
    reg = Registry.in_memory()
    data = gradreg.roster_csv(gradreg.generate_cohort(1500, seed=3)).encode("gb18030")
    actor = Actor.school_office("s", "10327")._wire()
    out, spins, took = _spinning_while(
        lambda: reg._n.import_roster(data, "auto", "auto", "good_rows", actor, NOW.isoformat())
    )
    assert json.loads(out)["created"] == 1500
    assert spins > 1000, (spins, took)


def test_signing_and_verification_from_many_threads() -> None:
    """Issue and verify tokens from 8 threads at once (one shared key ring) and check every
    verdict, valid and invalid alike."""
    import hashlib

    ring = gradreg.KeyRing()
    ring.add_hmac(1, hashlib.sha256(b"threads").digest(), active=False)
    ring.generate(2, "ed25519", active=True)
    regs = [walk(Registration(f"r{i}"), ALL_STEPS) for i in range(4)]
    archive = Actor.archive_dept("a1", "档案馆")
    hukou = Actor.hukou_dept("h1", "派出所")

    def work(i: int) -> List[Tuple[str, str]]:
        reg = regs[i % len(regs)]
        number = reg.authorizations[0].number
        out = []
        for section, dept, other in (("archive", archive, hukou), ("hukou", hukou, archive)):
            token = gradreg.issue_token(ring, reg, number, section)
            out.append(("valid", gradreg.verify_token(token, ring, dept, regs, NOW).verdict))
            out.append(
                ("wrong_section", gradreg.verify_token(token, ring, other, regs, NOW).verdict)
            )
            flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
            out.append(
                ("invalid", "invalid" if not gradreg.verify_token(flipped, ring, dept, regs, NOW).valid else "valid")
            )
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(24)))
    assert len(results) == 24
    for pairs in results:
        for expected, got in pairs:
            assert got == expected


def test_rendering_and_verification_from_many_threads() -> None:
    """Four threads render forms (PDF and PNG) and sign and verify their tokens at once, sharing one
    renderer and one key ring; every result is checked."""
    import hashlib

    ring = gradreg.KeyRing()
    ring.add_hmac(1, hashlib.sha256(b"render threads").digest())
    renderer = gradreg.Renderer()
    regs = [walk(Registration(f"r{i}"), ALL_STEPS) for i in range(2)]
    archive = Actor.archive_dept("a1", "档案馆")
    # PNG at 72 dpi keeps the test quick in the unoptimized build CI tests.
    expected = {
        (i, fmt): renderer.render(
            regs[i], regs[i].authorizations[0].number, "archive", ring, fmt, NOW, dpi=72
        )
        for i in range(2)
        for fmt in ("pdf", "png")
    }

    def work(j: int) -> Tuple[int, str, bool, bool]:
        i, fmt = j % 2, ("pdf", "png")[(j // 2) % 2]
        reg = regs[i]
        number = reg.authorizations[0].number
        data = renderer.render(reg, number, "archive", ring, fmt, NOW, dpi=72)
        token = gradreg.issue_token(ring, reg, number, "archive")
        verdict = gradreg.verify_token(token, ring, archive, regs, NOW)
        return i, fmt, data == expected[(i, fmt)], verdict.valid and verdict.number == number

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(8)))
    assert len(results) == 8
    assert {(i, fmt) for i, fmt, _, _ in results} == set(expected)
    for i, fmt, same_bytes, valid in results:
        assert same_bytes, (i, fmt)
        assert valid, i
