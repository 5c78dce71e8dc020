using System.Diagnostics;
using System.Runtime.Intrinsics;
using Sprout.Kernels;

namespace Sprout.Bench;

/// <summary>
/// GFLOP/s of Sprout's GEMM at square sizes and at the MLP's real products, with one thread and with all cores,
/// next to this machine's FMA peak measured in the same run (independent FMA chains on the widest vector type).
/// </summary>
internal static class GemmRunner
{
    public static int Run(string[] args)
    {
        int all = Environment.ProcessorCount;
        double peak1 = MeasurePeak(1), peakAll = MeasurePeak(all);
        Console.WriteLine($"Kernel: {Gemm.Kernel.GetType().Name} ({Gemm.Kernel.MR}x{Gemm.Kernel.NR}); FMA peak: {peak1:F1} GFLOP/s on 1 core, {peakAll:F1} on {all}");
        Console.WriteLine($"{"product",-34} {"1 thread",10} {"% peak",7} {$"{all} threads",11} {"% peak",7}");
        var cases = new List<(string Name, bool TA, bool TB, int M, int N, int K)>();
        foreach (int n in new[] { 64, 128, 256, 512, 1024, 2048 }) cases.Add(($"{n}x{n}x{n}", false, false, n, n, n));
        cases.Add(("MLP forward X·Wᵀ 256x784→256", false, true, 256, 256, 784));
        cases.Add(("MLP backward dY·W 256x256→784", false, false, 256, 784, 256));
        cases.Add(("MLP backward dYᵀ·X 256x256→784", true, false, 256, 784, 256));
        cases.Add(("MLP forward X·Wᵀ 128x784→256", false, true, 128, 256, 784));
        cases.Add(("MLP backward dYᵀ·X 128x256→784", true, false, 256, 784, 128));
        // A Transformer block's projections at (32, 128, 256): forward, input gradient, weight gradient (k = the 4,096 tokens).
        cases.Add(("Transformer X·Wᵀ 4096x256→256", false, true, 4096, 256, 256));
        cases.Add(("Transformer dY·W 4096x256→256", false, false, 4096, 256, 256));
        cases.Add(("Transformer dYᵀ·X 256x4096→256", true, false, 256, 256, 4096));
        cases.Add(("Transformer dYᵀ·X 1024x4096→256", true, false, 1024, 256, 4096));
        // The LSTM at T 35, batch 32, hidden 256, input 28 (the Peers workload): its input projection and weight gradients.
        cases.Add(("LSTM input X·W_ihᵀ 1120x28→1024", false, true, 1120, 1024, 28));
        cases.Add(("LSTM dW_ih dGᵀ·X 1024x1120→28", true, false, 1024, 28, 1120));
        cases.Add(("LSTM dW_hh dAᵀ·H 1024x1120→256", true, false, 1024, 256, 1120));
        // ResNet-18's deep convolutions at 96×96, batch 32, as products: 512 channels at 3×3 over the whole batch (288
        // columns), and one chunk of 8 samples of 256 channels at 6×6.
        cases.Add(("ResNet W·cols 512x4608→288", false, false, 512, 288, 4608));
        cases.Add(("ResNet W·cols 256x2304→288", false, false, 256, 288, 2304));
        cases.Add(("tap W_t·X_t 512x512→128", false, false, 512, 128, 512));
        cases.Add(("tap W_t·X_t 512x512→288", false, false, 512, 288, 512));
        cases.Add(("tap dW G·X_tᵀ 512x192→512", false, true, 512, 512, 192));
        cases.Add(("tap dX W_tᵀ·G 512x512→192", true, false, 512, 192, 512));
        if (args.Length > 0) cases = [.. cases.Where(c => args.Any(a => c.Name.StartsWith(a, StringComparison.Ordinal)))];
        foreach (var c in cases)
        {
            var (g1, r1) = Measure(c, 1);
            var (gAll, rAll) = Measure(c, all);
            Console.WriteLine($"{c.Name,-34} {g1,10:F1} {100 * r1,6:F0}% {gAll,11:F1} {100 * rAll,6:F0}%");
        }
        Console.WriteLine("(% peak: median over 7 rounds of GEMM GFLOP/s divided by the FMA peak measured just before it, same thread count)");
        Threads.Count = all;
        return 0;
    }

    /// <summary>Median GFLOP/s and median ratio to the peak, alternating a peak run and a GEMM run 7 times (the machine is noisy).</summary>
    private static (double Gflops, double Ratio) Measure((string Name, bool TA, bool TB, int M, int N, int K) c, int threads)
    {
        Threads.Count = threads;
        var rng = Rng.Stream(1, c.Name);
        var a = new float[c.M * c.K]; var b = new float[c.K * c.N]; var r = new float[c.M * c.N];
        rng.FillUniform(a); rng.FillUniform(b);
        int lda = c.TA ? c.M : c.K, ldb = c.TB ? c.K : c.N;
        void Once() => Gemm.Multiply(c.TA, c.TB, c.M, c.N, c.K, 1f, a, 0, lda, b, 0, ldb, 0f, r, 0, c.N);
        double flops = 2.0 * c.M * c.N * c.K;
        int reps = Math.Max(1, (int)(4e9 / flops));
        Once();
        var gflops = new double[7];
        var ratios = new double[7];
        for (int round = 0; round < 7; round++)
        {
            double peak = MeasurePeak(threads, 2_000_000, 1);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) Once();
            gflops[round] = flops * reps / clock.Elapsed.TotalSeconds / 1e9;
            ratios[round] = gflops[round] / peak;
        }
        Array.Sort(gflops);
        Array.Sort(ratios);
        return (gflops[3], ratios[3]);
    }

    /// <summary>Twelve independent FMA chains per thread on the widest vector type, so latency never limits throughput.</summary>
    internal static double MeasurePeak(int threads, long iterations = 20_000_000, int runs = 5)
    {
        Chains(1000);
        double best = 0;
        for (int run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            if (threads == 1) s_sink += Chains(iterations);
            else WorkerPool.For(threads, _ => { float r = Chains(iterations); lock (s_gate) s_sink += r; });
            double flops = threads * iterations * 12.0 * Vector512<float>.Count * 2;
            best = Math.Max(best, flops / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    // The chains' results are kept, so that an optimizing recompilation cannot drop the loop as dead code (a later
    // peak measured that way came out several times too high).
    private static float s_sink;
    private static readonly object s_gate = new();

    private static float Chains(long iterations)
    {
        var x = Vector512.Create(1.0000001f); var y = Vector512.Create(0.9999999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(x, y, c0); c1 = Vector512.FusedMultiplyAdd(x, y, c1);
            c2 = Vector512.FusedMultiplyAdd(x, y, c2); c3 = Vector512.FusedMultiplyAdd(x, y, c3);
            c4 = Vector512.FusedMultiplyAdd(x, y, c4); c5 = Vector512.FusedMultiplyAdd(x, y, c5);
            c6 = Vector512.FusedMultiplyAdd(x, y, c6); c7 = Vector512.FusedMultiplyAdd(x, y, c7);
            c8 = Vector512.FusedMultiplyAdd(x, y, c8); c9 = Vector512.FusedMultiplyAdd(x, y, c9);
            c10 = Vector512.FusedMultiplyAdd(x, y, c10); c11 = Vector512.FusedMultiplyAdd(x, y, c11);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
