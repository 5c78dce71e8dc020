namespace Sprout;

/// <summary>
/// Sprout's global randomness. Every random number comes from a counter-based <see cref="RandomStream"/>
/// identified by (global seed, a key), so results are reproducible regardless of thread scheduling:
/// a parameter named <c>0.weight</c> gets the same values whether it is filled eagerly or on the first forward.
/// </summary>
public static class Rng
{
    private static ulong s_seed = 0x5EED_5EEDUL;
    private static long s_nextBlock;
    private static int s_initializations;
    private static readonly ulong GlobalStreamId = KeyToStreamId("<global>");

    /// <summary>The global seed in force.</summary>
    public static ulong CurrentSeed => Volatile.Read(ref s_seed);

    /// <summary>Sets the global seed and restarts the global stream.</summary>
    public static void Seed(ulong seed)
    {
        Volatile.Write(ref s_seed, seed);
        Interlocked.Exchange(ref s_nextBlock, 0);
        Interlocked.Exchange(ref s_initializations, 0);
    }

    /// <summary>
    /// The index of a root network's <c>Initialize()</c> call: how many came before it since the last <see cref="Seed"/>.
    /// Streams are keyed by it, so two networks initialized in turn differ and a forced re-initialization draws anew.
    /// </summary>
    internal static int NextInitialization() => Interlocked.Increment(ref s_initializations) - 1;

    /// <summary>The stream key of <paramref name="path"/> in initialization <paramref name="index"/> (the first keeps the bare path).</summary>
    internal static string InitializationKey(string path, int index) =>
        index == 0 ? path : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}#{index}");

    /// <summary>The stream of (<paramref name="seed"/>, <paramref name="key"/>) from Philox block <paramref name="firstBlock"/> on.</summary>
    internal static RandomStream Stream(ulong seed, string key, ulong firstBlock) => new(seed, KeyToStreamId(key), firstBlock);

    /// <summary>How many Philox blocks <paramref name="count"/> numbers may take (normal samples take two words each).</summary>
    internal static long BlocksFor(long count) => count / 2 + 2;

    /// <summary>A stream derived from (global seed, <paramref name="key"/>): same key, same numbers.</summary>
    public static RandomStream Stream(string key) => Stream(CurrentSeed, key);

    /// <summary>A stream derived from (<paramref name="seed"/>, <paramref name="key"/>).</summary>
    public static RandomStream Stream(ulong seed, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new RandomStream(seed, KeyToStreamId(key));
    }

    /// <summary>
    /// A fresh piece of the global stream, long enough for <paramref name="count"/> numbers: successive calls get
    /// successive, non-overlapping pieces, so a program that makes the same calls gets the same numbers.
    /// </summary>
    internal static RandomStream Take(long count)
    {
        long blocks = BlocksFor(count);
        long first = Interlocked.Add(ref s_nextBlock, blocks) - blocks;
        return new RandomStream(CurrentSeed, GlobalStreamId, (ulong)first);
    }

    /// <summary>A random ordering of 0 … <paramref name="n"/> − 1 (Fisher–Yates on a fresh piece of the global stream).</summary>
    public static int[] RandomPermutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var items = Enumerable.Range(0, n).ToArray();
        Take(2L * n).Shuffle(items.AsSpan());
        return items;
    }

    /// <summary>FNV-1a, 64-bit: a stable hash of the key (string.GetHashCode is randomized per process).</summary>
    internal static ulong KeyToStreamId(string key)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in key)
        {
            h = (h ^ (byte)c) * 0x100000001b3UL;
            h = (h ^ (byte)(c >> 8)) * 0x100000001b3UL;
        }
        return h;
    }
}
