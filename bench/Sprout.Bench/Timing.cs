using System.Diagnostics;

namespace Sprout.Bench;

/// <summary>Median-of-runs timing: the machines are shared and noisy, so every figure is a median of several runs.</summary>
internal static class Timing
{
    public static double MedianSeconds(int runs, Action action)
    {
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
