namespace Sprout;

/// <summary>How many cores Sprout's kernels use. Defaults to all of them.</summary>
public static class Threads
{
    private static int s_count = Environment.ProcessorCount;

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

    internal static ParallelOptions Options { get; private set; } = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };
}
