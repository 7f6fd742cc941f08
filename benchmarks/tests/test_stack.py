"""The load section's plumbing: the nginx server block it renders, its percentiles, its CPU readings."""

import os
import re

import pytest

from benchmarks.samples import Kind, percentile
from benchmarks.stack import (
    SERVER_BLOCK_TEMPLATE,
    StackError,
    machine_cpu_seconds,
    main_config,
    render_server_block,
    tree_cpu_seconds,
)


def test_the_server_block_fills_in_its_two_variables_and_keeps_nginxs_own():
    template = SERVER_BLOCK_TEMPLATE.read_text()

    block = render_server_block(template, upstream="127.0.0.1:8123", port=18080)

    assert "${" not in block
    assert "server 127.0.0.1:8123;" in block
    # nginx's variables are left for nginx.
    for variable in re.findall(r"(?<!\{)\$[a-z_]+", template):
        assert variable in block


def test_the_server_block_listens_on_loopback_only():
    block = render_server_block(SERVER_BLOCK_TEMPLATE.read_text(), upstream="127.0.0.1:8123", port=18080)

    listens = [line.strip() for line in block.splitlines() if line.strip().startswith("listen")]
    assert listens == ["listen 127.0.0.1:18080 default_server;"]


def test_a_template_without_its_variables_is_refused():
    with pytest.raises(StackError):
        render_server_block("server { listen 80; }", upstream="127.0.0.1:8123", port=18080)


def test_the_main_configuration_includes_the_server_block(tmp_path):
    config = main_config(tmp_path, tmp_path / "community.conf")

    assert f"include {tmp_path / 'community.conf'};" in config
    assert "access_log off;" in config
    assert config.count("{") == config.count("}")


def test_percentile_is_nearest_rank():
    ordered = [float(n) for n in range(1, 101)]

    assert percentile(ordered, 50) == 50
    assert percentile(ordered, 99) == 99
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) is None


def test_a_kind_times_only_what_was_served():
    kind = Kind()
    kind.record(200, 10.0)
    kind.record(304, 2.0)
    kind.record(500, 900.0, "HTTP 500")
    kind.record(None, 10_000.0, "timed out")

    summary = kind.summary(duration=2)

    assert summary["requests"] == 4
    assert summary["errors"] == 2
    assert summary["per_second"] == 2
    assert summary["statuses"] == {"200": 1, "304": 1, "500": 1, "none": 1}
    assert summary["max_ms"] == 10
    assert summary["error_samples"] == ["HTTP 500", "timed out"]


def test_merged_kinds_add_up():
    like, unlike = Kind(), Kind()
    like.record(200, 5.0)
    unlike.record(200, 7.0)
    unlike.record(429, 1.0, "HTTP 429")

    summary = Kind.merged([like, unlike]).summary()

    assert (summary["requests"], summary["errors"], summary["p99_ms"]) == (3, 1, 7)


def test_cpu_readings_grow_with_work():
    busy, total = machine_cpu_seconds()
    before = tree_cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))

    assert tree_cpu_seconds(os.getpid()) > before
    assert 0 < busy <= total
