namespace Sprout;

/// <summary>How many cores Sprout's kernels use: <c>$SPROUT_THREADS</c> if set, else all of them.</summary>
public static class Threads
{
    private static int s_count = int.TryParse(Environment.GetEnvironmentVariable("SPROUT_THREADS"), out int n) && n > 0
        ? Math.Min(n, Environment.ProcessorCount) : Environment.ProcessorCount;

    /// <summary>The number of threads a kernel may split its work over (at least 1).</summary>
    public static int Count
    {
        get => s_count;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            s_count = value;
            Options = new ParallelOptions { MaxDegreeOfParallelism = value };
        }
    }

    internal static ParallelOptions Options { get; private set; } = new() { MaxDegreeOfParallelism = s_count };
}
