namespace Sprout;

/// <summary>
/// One reproducible stream of random numbers, identified by (seed, stream id). Position n of the stream is
/// Philox block n/4, so two streams with different ids never overlap and a stream gives the same numbers on
/// every run and every thread. Not thread-safe: give each thread its own stream.
/// </summary>
public sealed class RandomStream
{
    private readonly uint _k0, _k1, _s0, _s1;
    private ulong _block;
    private readonly uint[] _words = new uint[4];
    private int _used = 4;

    internal RandomStream(ulong seed, ulong streamId, ulong firstBlock = 0)
    {
        (_k0, _k1) = ((uint)seed, (uint)(seed >> 32));
        (_s0, _s1) = ((uint)streamId, (uint)(streamId >> 32));
        _block = firstBlock;
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt32()
    {
        if (_used == 4)
        {
            Philox.Block((uint)_block, (uint)(_block >> 32), _s0, _s1, _k0, _k1, _words);
            _block++;
            _used = 0;
        }
        return _words[_used++];
    }

    /// <summary>A float uniform in [0, 1), with 24 random bits.</summary>
    public float NextSingle() => (NextUInt32() >> 8) * (1.0f / 16777216f);

    /// <summary>Fills <paramref name="destination"/> with floats uniform in [low, high).</summary>
    public void FillUniform(Span<float> destination, float low = 0f, float high = 1f)
    {
        float scale = high - low;
        for (int i = 0; i < destination.Length; i++) destination[i] = low + scale * NextSingle();
    }

    /// <summary>Fills <paramref name="destination"/> with normal samples (Box–Muller), mean and standard deviation given.</summary>
    public void FillNormal(Span<float> destination, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            double u1 = 1.0 - (NextUInt32() >> 8) * (1.0 / 16777216.0);   // (0, 1]: log is finite
            double u2 = (NextUInt32() >> 8) * (1.0 / 16777216.0);
            double r = Math.Sqrt(-2.0 * Math.Log(u1)), theta = 2.0 * Math.PI * u2;
            destination[i] = (float)(mean + std * r * Math.Cos(theta));
            if (i + 1 < destination.Length) destination[i + 1] = (float)(mean + std * r * Math.Sin(theta));
        }
    }

    /// <summary>A random integer in [0, maxExclusive), unbiased (Lemire's method).</summary>
    public int NextInt32(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        uint s = (uint)maxExclusive;
        ulong m = (ulong)NextUInt32() * s;
        if ((uint)m < s)
        {
            uint threshold = (uint)(-(int)s) % s;
            while ((uint)m < threshold) m = (ulong)NextUInt32() * s;
        }
        return (int)(m >> 32);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
