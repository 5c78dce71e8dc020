namespace Sprout.Nn;

public abstract partial class Block
{
    private RandomKey? _random;
    private long _randomBlocksTaken;

    /// <summary>The seed and key of this block's own random stream, recorded by the network's <c>Initialize()</c>.</summary>
    private readonly record struct RandomKey(ulong Seed, string Key);

    /// <summary>
    /// A fresh piece of this block's own random stream, long enough for <paramref name="count"/> numbers (dropout masks
    /// draw from it). The stream is keyed like the parameters' — (seed, initialization, path) — and advanced by this
    /// block alone, so what a network draws does not depend on what other threads or networks draw. A block never
    /// initialized falls back to the global stream.
    /// </summary>
    protected RandomStream NextRandom(long count)
    {
        if (_random is not { } key) return Rng.Take(count);
        long blocks = Rng.BlocksFor(count);
        long first = Interlocked.Add(ref _randomBlocksTaken, blocks) - blocks;
        return Rng.Stream(key.Seed, key.Key + "/random", (ulong)first);
    }

    /// <summary>
    /// Dropout of <paramref name="x"/> at <paramref name="rate"/> while training (each element zeroed with that probability,
    /// the rest scaled by 1/(1 − rate)), drawn from this block's own stream; the identity in prediction and on shapes.
    /// </summary>
    protected Tensor ApplyDropout(Tensor x, float rate) =>
        rate == 0 || !Autograd.IsTraining || x.IsMeta ? x : x * Tensor.DropoutMask(x.Shape, rate, NextRandom(x.Length));
}
