using BenchmarkDotNet.Attributes;
using Sprout.Kernels;

namespace Sprout.Bench;

/// <summary>BenchmarkDotNet micro-benchmarks: `dotnet run -c Release --project bench/Sprout.Bench -- --filter '*'`.</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly float[] _a = new float[256 * 784], _b = new float[784 * 256], _c = new float[256 * 256];
    private Tensor _x = Tensor.Zeros(1), _w = Tensor.Zeros(1), _images = Tensor.Zeros(1);

    [GlobalSetup]
    public void Setup()
    {
        Rng.Stream(1, "bench").FillUniform(_a);
        Rng.Stream(2, "bench").FillUniform(_b);
        _x = Tensor.RandomUniform(64, 20);
        _w = Tensor.RandomUniform(256, 20);
        _images = Tensor.RandomUniform(64, 6, 14, 14);
    }

    /// <summary>The MLP's forward product X·Wᵀ at batch 256.</summary>
    [Benchmark]
    public void GemmMlpForward() => Gemm.Multiply(false, true, 256, 256, 784, 1f, _a, 0, 784, _b, 0, 784, 0f, _c, 0, 256);

    [Benchmark]
    public Tensor DenseForwardBatch64() => Tensor.Linear(_x, _w, null);

    [Benchmark]
    public Tensor LeNetConv2Forward() => Tensor.Conv2D(_images, Tensor.Ones(16, 6, 5, 5), null, 1, 0, 1);
}
