namespace Sprout;

/// <summary>
/// Reuses the large float arrays behind tensors. A training step allocates the same activation- and gradient-sized
/// arrays every time; fresh ones would come from the large-object heap, zeroed and often page-faulted in again, and
/// would drive a full GC every step. Arrays return here only when the library knows nothing refers to them any more:
/// the gradients and scratch tensors that a backward pass creates and consumes (see <c>Tensor.Backward</c>). Buckets
/// are exact lengths (a network's shapes repeat every step); the pool keeps at most <see cref="MaxPooledBytes"/>. When a
/// return would exceed that, the sizes used longest ago are dropped first (to the GC): a process that trains one network
/// and then another (or changes its batch size) keeps the arrays it uses now, not the previous network's.
/// </summary>
internal static class StoragePool
{
    /// <summary>Smaller arrays are cheap gen-0 allocations and are not pooled.</summary>
    public const int MinLength = 1 << 14;

    /// <summary>
    /// The most the pool holds: an eighth of the memory the process may use, at least 256 MiB (tests lower it). A step of
    /// ResNet-18 at batch 64 releases about 500 MB of activations and gradients; with a 256 MiB cap half of them went to
    /// the GC every step and came back as fresh, page-faulted arrays (about 11 µs a page on these machines).
    /// </summary>
    internal static long MaxPooledBytes { get; set; } = Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8);

    private static readonly Dictionary<int, Bucket> s_free = [];
    private static readonly Lock s_lock = new();
    private static long s_pooledBytes, s_clock;

    /// <summary>While a backward pass runs on this thread: the pooled-size arrays it rented and has not returned.</summary>
    [ThreadStatic] private static HashSet<float[]>? t_rentals;

    /// <summary>An array of exactly <paramref name="length"/> elements, zeroed when <paramref name="clear"/>.</summary>
    public static float[] Rent(int length, bool clear)
    {
        if (length < MinLength) return new float[length];
        var array = TakeFree(length);
        if (array is null) array = clear ? new float[length] : GC.AllocateUninitializedArray<float>(length);
        else if (clear) Array.Clear(array);
        t_rentals?.Add(array);
        return array;
    }

    /// <summary>Floats of slack that let <see cref="RentAligned"/> start on a 64-byte boundary.</summary>
    private const int AlignmentSlack = 64 / sizeof(float) - 1;

    /// <summary>An uninitialized array with room for <paramref name="length"/> floats from an offset that is 64-byte aligned.</summary>
    public static unsafe (float[] Array, int Offset) RentAligned(int length)
    {
        var array = Rent(length + AlignmentSlack, clear: false);
        fixed (float* start = array)
            return (array, (int)((64 - ((nint)start & 63)) & 63) / sizeof(float));
    }

    /// <summary>Gives back an array nothing refers to any more.</summary>
    public static void Return(float[] array)
    {
        if (array.Length < MinLength) return;
        long bytes = (long)array.Length * sizeof(float);
        lock (s_lock)
        {
            if (!s_free.TryGetValue(array.Length, out var bucket)) s_free[array.Length] = bucket = new Bucket();
            bucket.LastUsed = ++s_clock;
            while (s_pooledBytes + bytes > MaxPooledBytes && DropStalest(bucket)) { }
            if (s_pooledBytes + bytes > MaxPooledBytes) return;
            bucket.Arrays.Push(array);
            s_pooledBytes += bytes;
        }
    }

    /// <summary>Drops one array of the size used longest ago (other than <paramref name="current"/>'s); false when there is none.</summary>
    private static bool DropStalest(Bucket current)
    {
        Bucket? stalest = null;
        int length = 0;
        foreach (var (size, bucket) in s_free)
            if (bucket != current && bucket.Arrays.Count > 0 && (stalest is null || bucket.LastUsed < stalest.LastUsed)) (stalest, length) = (bucket, size);
        if (stalest is null) return false;
        stalest.Arrays.Pop();
        s_pooledBytes -= (long)length * sizeof(float);
        return true;
    }

    private sealed class Bucket
    {
        public Stack<float[]> Arrays { get; } = new();
        public long LastUsed { get; set; }
    }

    /// <summary>Starts recording this thread's rentals (a backward pass); returns the set, which the caller owns until <see cref="EndRentalLog"/>.</summary>
    public static HashSet<float[]> BeginRentalLog() => t_rentals = new HashSet<float[]>(ReferenceEqualityComparer.Instance);

    public static void EndRentalLog() => t_rentals = null;

    /// <summary>The bytes held for reuse (for tests and diagnostics).</summary>
    public static long PooledBytes { get { lock (s_lock) return s_pooledBytes; } }

    private static float[]? TakeFree(int length)
    {
        lock (s_lock)
        {
            if (!s_free.TryGetValue(length, out var bucket)) return null;
            bucket.LastUsed = ++s_clock;
            if (bucket.Arrays.Count == 0) return null;
            s_pooledBytes -= (long)length * sizeof(float);
            return bucket.Arrays.Pop();
        }
    }
}
