namespace Sprout;

/// <summary>How many cores Sprout's kernels use: <c>$SPROUT_THREADS</c> if set, else all of them.</summary>
public static class Threads
{
    private static int s_count = int.TryParse(Environment.GetEnvironmentVariable("SPROUT_THREADS"), out int n) && n > 0
        ? Math.Min(n, Environment.ProcessorCount) : Environment.ProcessorCount;

    /// <summary>The number of threads a kernel may split its work over (at least 1, at most the cores).</summary>
    public static int Count
    {
        get => s_count;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            s_count = Math.Min(value, Environment.ProcessorCount);
        }
    }
}
