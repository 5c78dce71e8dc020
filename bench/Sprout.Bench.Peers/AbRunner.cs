using System.Diagnostics;

namespace Sprout.Bench.Peers;

/// <summary>
/// Runs a workload in Sprout and in TorchSharp alternately (A B, then B A, …) after a warm-up of each, so that both see
/// the same machine noise, and reports each median and the ratio TorchSharp time / Sprout time (&gt; 1: Sprout faster).
/// The warm-up repeats a run for at least <see cref="WarmUp"/>: long enough for tiered compilation, and for each
/// library's allocator to reach the steady state a training run lives in (Sprout's pool fills over the first steps).
/// </summary>
internal static class AbRunner
{
    /// <summary>Spinning worker threads (Sprout's pool, libtorch's OpenMP team, whose KMP_BLOCKTIME is 200 ms) go idle; wait them out.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(400);

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public static Result Compare(Workload workload, int runs)
    {
        Warm(workload.Sprout);
        Warm(workload.Torch);
        var sprout = new double[runs];
        var torch = new double[runs];
        int units = 0;
        for (int r = 0; r < runs; r++)
        {
            if (r % 2 == 0) { (sprout[r], units) = Measure(workload.Sprout); (torch[r], _) = Measure(workload.Torch); }
            else { (torch[r], _) = Measure(workload.Torch); (sprout[r], units) = Measure(workload.Sprout); }
        }
        return new Result(workload.Name, workload.Unit, units, Median(sprout), Median(torch));
    }

    private static void Warm(Func<int> run)
    {
        var clock = Stopwatch.StartNew();
        do run(); while (clock.Elapsed < WarmUp);
    }

    private static (double Seconds, int Units) Measure(Func<int> run)
    {
        // The other side's garbage (TorchSharp's tensor handles, Sprout's arrays) is collected here, not during this run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(Settle);
        var clock = Stopwatch.StartNew();
        int units = run();
        return (clock.Elapsed.TotalSeconds, units);
    }

    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Medians in seconds per run; <see cref="Ratio"/> is TorchSharp / Sprout.</summary>
    public sealed record Result(string Name, string Unit, int Units, double Sprout, double Torch)
    {
        public double Ratio => Torch / Sprout;

        public override string ToString() => Unit == "step"
            ? $"{Name,-44} Sprout {Sprout / Units * 1e6,9:F1} µs   TorchSharp {Torch / Units * 1e6,9:F1} µs   Sprout/TorchSharp time {Sprout / Torch,5:F2}×"
            : $"{Name,-44} Sprout {Units / Sprout,9:N0} {Unit}/s   TorchSharp {Units / Torch,9:N0} {Unit}/s   TorchSharp/Sprout time {Ratio,5:F2}×";
    }
}
