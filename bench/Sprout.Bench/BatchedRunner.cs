using System.Diagnostics;
using Sprout.Kernels;

namespace Sprout.Bench;

/// <summary>
/// Batched products at attention's shapes — 32 sequences × 8 heads of (64×64)·(64×64) and (128×64)·(64×128), plain and
/// with either operand read transposed — through <c>Tensor.MatMul</c>, against the FMA peak measured in the same run,
/// and the same FLOPs as one flat GEMM for comparison. One thread and all cores. Each output's storage goes back to the
/// pool after the call, as a training step's intermediates do, so the figures are the steady state, not page faults.
/// </summary>
internal static class BatchedRunner
{
    private sealed record Case(string Name, int M, int K, int N, bool TA, bool TB);

    public static int Run(string[] args)
    {
        int all = Environment.ProcessorCount;
        Case[] cases =
        [
            new("scores Q·Kᵀ 64x64·(64x64)ᵀ", 64, 64, 64, false, true),
            new("context P·V 64x64·64x64", 64, 64, 64, false, false),
            new("dQ-style Aᵀ·B 64x64", 64, 64, 64, true, false),
            new("scores Q·Kᵀ 128x64·(128x64)ᵀ", 128, 64, 128, false, true),
            new("context P·V 128x128·128x64", 128, 128, 64, false, false),
            new("plain 128x64·64x128", 128, 64, 128, false, false),
        ];
        Console.WriteLine($"Batch 32×8 = 256 products; FMA peak measured before each round; medians of 7 rounds");
        Console.WriteLine($"{"product",-32} {"threads",7} {"batched GF/s",13} {"% peak",7} {"flat GF/s",10} {"% peak",7} {"one in cache",12}");
        foreach (var threads in new[] { 1, all })
            foreach (var c in cases)
            {
                var (batched, batchedRatio) = Measure(c, threads, flat: false);
                var (flat, flatRatio) = Measure(c, threads, flat: true);
                var (hot, hotRatio) = threads == 1 ? Measure(c, threads, flat: false, hot: true) : (0, 0);
                Console.WriteLine($"{c.Name,-32} {threads,7} {batched,13:F1} {100 * batchedRatio,6:F0}% {flat,10:F1} {100 * flatRatio,6:F0}% {100 * hotRatio,6:F0}%");
            }
        Threads.Count = all;
        return 0;
    }

    private static (double Gflops, double Ratio) Measure(Case c, int threads, bool flat, bool hot = false)
    {
        Threads.Count = threads;
        const int Batch = 256;
        Rng.Seed(1);
        var a = Tensor.RandomUniform(32, 8, c.TA ? c.K : c.M, c.TA ? c.M : c.K);
        var b = Tensor.RandomUniform(32, 8, c.TB ? c.N : c.K, c.TB ? c.K : c.N);
        // The flat comparison: one GEMM with the batch's rows stacked, (256·m, k)·(k, n), the same FLOPs.
        var fa = new float[Batch * c.M * c.K]; var fb = new float[c.K * c.N]; var fr = new float[Batch * c.M * c.N];
        var ha = a.ToArray(); var hb = b.ToArray(); var hc = new float[c.M * c.N];
        void Once()
        {
            if (hot)
            {
                for (int i = 0; i < Batch; i++)
                    SmallGemm.Multiply(Gemm.Kernel, c.TA, c.TB, c.M, c.N, c.K, ha, 0, c.TA ? c.M : c.K, hb, 0, c.TB ? c.K : c.N, hc, 0, c.N);
            }
            else if (flat) Gemm.Multiply(false, c.TB, Batch * c.M, c.N, c.K, 1f, fa, 0, c.K, fb, 0, c.TB ? c.K : c.N, 0f, fr, 0, c.N);
            else StoragePool.Return(Tensor.MatMul(a, b, c.TA, c.TB).Storage!);   // recycled, as a training step's intermediates are
        }
        double flops = 2.0 * Batch * c.M * c.N * c.K;
        int reps = Math.Max(1, (int)(3e9 / flops));
        Once();
        var gflops = new double[7];
        var peaks = new double[7];
        for (int round = 0; round < 7; round++)
        {
            peaks[round] = GemmRunner.MeasurePeak(threads, 10_000_000, 2);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) Once();
            gflops[round] = flops * reps / clock.Elapsed.TotalSeconds / 1e9;
        }
        Array.Sort(gflops);
        Array.Sort(peaks);
        return (gflops[3], gflops[3] / peaks[3]);   // median throughput over the median peak of the same rounds
    }
}
