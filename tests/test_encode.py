"""The shared encoder path on the real MiniLM weights: the ONNX export matches torch, and two dask workers give the vectors
one process gives (see nbs/04a_encode.ipynb)."""
import pytest

CODES = [f'def f{i}(x):\n    """Return x times {i}."""\n    return x * {i} + sum(range({i}))\n' * (1 + i % 9) for i in range(48)]
QUERIES = ['multiply a number', 'sum a range of numbers', 'x']


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    "A workspace and a private cache (the ONNX export is made there once for this module)."
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp('enc')
    mp.setenv('CODESEARCH_CACHE', str(root/'cache')); mp.setenv('CODESEARCH_HOME', str(root/'ws'))
    mp.setenv('HF_HUB_OFFLINE', '1'); mp.delenv('CODESEARCH_BACKEND', raising=False)
    yield root/'ws'
    mp.undo()


def test_onnx_matches_torch(env):
    from codesearch_nb.encode import run_encoder, OnnxEncoder, AutoEncoder, bf16_cpu
    o, t = run_encoder('minilm', env, backend='onnx'), run_encoder('minilm', env, backend='torch')
    auto = run_encoder('minilm', env)
    assert isinstance(o, OnnxEncoder) and type(auto) is (AutoEncoder if bf16_cpu() else OnnxEncoder)   # auto: ONNX, code in bf16 where the CPU has it
    assert (auto.encode_code(CODES) * t.encode_code(CODES)).sum(1).min() >= 0.999
    for a, b in ((o.encode_code(CODES), t.encode_code(CODES)), (o.encode_queries(QUERIES), t.encode_queries(QUERIES))):
        assert a.shape == b.shape and (a * b).sum(1).min() >= 0.999
    q = run_encoder('minilm', env, backend='onnx-int8')
    assert (q.encode_code(CODES) * t.encode_code(CODES)).sum(1).min() > 0.95   # int8: close, not equal (and batch-dependent)


def test_dask_two_workers_same_vectors(env):
    from codesearch_nb.encode import DaskEncoder
    with DaskEncoder('minilm', env, workers=2) as de:
        assert len(de.client.scheduler_info()['workers']) == 2
        nthreads = de.client.run(lambda: __import__('codesearch_nb.encode', fromlist=['x']).default_threads())
        assert set(nthreads.values()) == {1}   # one thread per worker: 2 workers on 2 cores, no oversubscription
        a, b = de.encode_code(CODES), de.local.encode_code(CODES)
        assert (a * b).sum(1).min() > 0.99999   # the same vectors (bf16 code vectors vary at the 1e-5 level with the batch's shape)
