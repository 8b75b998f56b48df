"""The bench table says which CPU kind and instruction set its figures come from."""

from __future__ import annotations

from pathlib import Path

from evals.bench import machine_row
from evals.bench_embed import cpu_info


def test_machine_rows_name_the_cpu_and_its_simd_flags() -> None:
    model, simd = cpu_info()
    rows = machine_row()
    assert [r[0] for r in rows] == ["machine", "CPU instruction sets"]
    assert model and model in rows[0][2]
    assert rows[1][1] in ("AVX-512", "AVX2", "other") and rows[1][2] == simd
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if " avx2 " in flags:
        assert "avx2" in simd.split()
