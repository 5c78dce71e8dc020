using System.Diagnostics;
using Sprout.Kernels;

namespace Sprout.Bench;

/// <summary>
/// A recurrent layer's sequence op (<see cref="Recurrence"/>) at the issue's shapes — T 35, batch 32, hidden 256, GRU
/// and LSTM — forward, and forward and backward through time, and the per-step recurrent product on its own, in GFLOP/s against the
/// FMA peak measured in the same run, at one thread and all cores. `-- recurrence`.
/// </summary>
internal static class RecurrenceRunner
{
    private const int Steps = 35, Batch = 32, Hidden = 256;

    public static int Run(string[] args)
    {
        int all = Environment.ProcessorCount;
        Console.WriteLine($"T {Steps}, batch {Batch}, hidden {Hidden}; medians of 7 rounds; FMA peak measured before each round");
        Console.WriteLine($"{"what",-34} {"threads",7} {"ms",8} {"GF/s",8} {"% peak",7}");
        foreach (int threads in new[] { 1, all })
            foreach (var kind in new[] { RecurrentCellKind.Gru, RecurrentCellKind.Lstm })
            {
                Threads.Count = threads;
                int gates = RecurrentUnits.Gates(kind);
                double stepFlops = 2.0 * Steps * Batch * gates * Hidden * Hidden;
                Report($"{kind} step products only", threads, stepFlops, ProductsOnly(gates));
                var (forward, training) = SequenceOp(kind);
                Report($"{kind} sequence forward", threads, stepFlops, forward);
                Report($"{kind} sequence forward + backward", threads, 3 * stepFlops, training);
            }
        Threads.Count = all;
        return 0;
    }

    private static void Report(string what, int threads, double flops, Action once)
    {
        once();
        var (ms, ratio) = (new double[7], new double[7]);
        for (int round = 0; round < 7; round++)
        {
            double peak = GemmRunner.MeasurePeak(threads, 10_000_000, 2);
            int reps = 20;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) once();
            ms[round] = clock.Elapsed.TotalMilliseconds / reps;
            ratio[round] = flops / (ms[round] / 1000) / 1e9 / peak;
        }
        Array.Sort(ms);
        Array.Sort(ratio);
        Console.WriteLine($"{what,-34} {threads,7} {ms[3],8:F2} {flops / (ms[3] / 1000) / 1e9,8:F1} {100 * ratio[3],6:F0}%");
    }

    /// <summary>T products h·W_hhᵀ (batch × hidden · hidden × gates·hidden) on weights packed once, one thread.</summary>
    private static unsafe Action ProductsOnly(int gates)
    {
        var w = new float[gates * Hidden * Hidden];
        var h = new float[Batch * Hidden];
        var c = new float[Batch * gates * Hidden];
        Rng.Stream(1, "products").FillUniform(w, -0.1f, 0.1f);
        var packed = new PackedOperand(Gemm.Kernel, trans: true, w, 0, Hidden, Hidden, gates * Hidden);
        var scratch = new float[packed.ScratchLength];
        return () =>
        {
            fixed (float* ph = h, pc = c, ps = scratch)
                for (int t = 0; t < Steps; t++) packed.Multiply(Batch, ph, Hidden, pc, gates * Hidden, 0f, ps);
        };
    }

    private static (Action Forward, Action Backward) SequenceOp(RecurrentCellKind kind)
    {
        int gates = RecurrentUnits.Gates(kind);
        Rng.Seed(3);
        var gx = Tensor.RandomUniform(new Shape(Steps, Batch, gates * Hidden), -1f, 1f);
        var w = Tensor.RandomUniform(new Shape(gates * Hidden, Hidden), -0.06f, 0.06f);
        var b = Tensor.Zeros(gates * Hidden);
        var h0 = Tensor.Zeros(Batch, Hidden);
        var c0 = kind == RecurrentCellKind.Lstm ? Tensor.Zeros(Batch, Hidden) : null;
        w.AttachGrad();
        // Outputs go back to the pool after each call, as a training step's intermediates do.
        void Inference() => StoragePool.Return(Tensor.Recurrence(kind, gx, w, b, h0, c0, reverse: false).Storage!);
        var upstream = Tensor.RandomUniform(new Shape(Steps, Batch, kind == RecurrentCellKind.Lstm ? 2 * Hidden : Hidden), -1f, 1f);
        void Training()
        {
            Tensor seq;
            using (Autograd.Record()) seq = Tensor.Recurrence(kind, gx, w, b, h0, c0, reverse: false);
            seq.Backward(upstream);
            StoragePool.Return(seq.Storage!);
        }
        return (Inference, Training);
    }
}
