namespace Sprout;

/// <summary>
/// Reuses the large float arrays behind tensors. A training step allocates the same activation- and gradient-sized
/// arrays every time; fresh ones would come from the large-object heap, zeroed and often page-faulted in again, and
/// would drive a full GC every step. Arrays return here only when the library knows nothing refers to them any more:
/// the gradients and scratch tensors that a backward pass creates and consumes (see <c>Tensor.Backward</c>). Buckets
/// are exact lengths (a network's shapes repeat every step); the pool keeps at most <see cref="MaxPooledBytes"/>.
/// </summary>
internal static class StoragePool
{
    /// <summary>Smaller arrays are cheap gen-0 allocations and are not pooled.</summary>
    public const int MinLength = 1 << 14;

    public const long MaxPooledBytes = 256L << 20;

    private static readonly Dictionary<int, Stack<float[]>> s_free = [];
    private static readonly Lock s_lock = new();
    private static long s_pooledBytes;

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

    /// <summary>Gives back an array nothing refers to any more.</summary>
    public static void Return(float[] array)
    {
        if (array.Length < MinLength) return;
        long bytes = (long)array.Length * sizeof(float);
        lock (s_lock)
        {
            if (s_pooledBytes + bytes > MaxPooledBytes) return;
            if (!s_free.TryGetValue(array.Length, out var stack)) s_free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
            s_pooledBytes += bytes;
        }
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
            if (!s_free.TryGetValue(length, out var stack) || stack.Count == 0) return null;
            s_pooledBytes -= (long)length * sizeof(float);
            return stack.Pop();
        }
    }
}
