namespace Sprout.Data;

/// <summary>
/// Mini-batches of subsequences for language models, as the book's <c>SeqDataLoader</c>: each epoch starts from a random
/// offset in [0, steps) (a seeded stream per epoch). <see cref="Partitioning.Random"/> cuts the corpus into subsequences
/// of <c>steps</c> ids, shuffles them and groups them <c>batchSize</c> at a time; <see cref="Partitioning.Sequential"/>
/// splits it into <c>batchSize</c> streams and walks them window by window, so that consecutive batches continue each
/// other row by row. X holds the subsequences and Y the same shifted by one id, both (N, steps) as float ids.
/// </summary>
public sealed class SequenceBatches
{
    private readonly int[] _corpus;
    private int _epoch;

    /// <summary>Random batches over <paramref name="corpus"/> (ids) of <paramref name="batchSize"/> subsequences of <paramref name="steps"/> ids.</summary>
    public SequenceBatches(int[] corpus, int batchSize, int steps, ulong seed = 0)
        : this(corpus, batchSize, steps, seed, Partitioning.Random) { }

    /// <summary>Batches over <paramref name="corpus"/> (ids) of <paramref name="batchSize"/> subsequences of <paramref name="steps"/> ids, cut as <paramref name="partitioning"/> says.</summary>
    public SequenceBatches(int[] corpus, int batchSize, int steps, ulong seed, Partitioning partitioning)
    {
        if (!Enum.IsDefined(partitioning))
            throw new ArgumentOutOfRangeException(nameof(partitioning), partitioning, "Expected Partitioning.Random or Partitioning.Sequential.");
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (corpus.Length < (batchSize + 1) * steps + 1)
            throw new ArgumentException($"SequenceBatches: a corpus of {corpus.Length} ids is too short for one batch of {batchSize} subsequences of {steps} steps.", nameof(corpus));
        (_corpus, BatchSize, Steps, Seed, Partitioning) = (corpus, batchSize, steps, seed, partitioning);
    }

    /// <summary>Random subsequences, or consecutive windows of one stream per row.</summary>
    public Partitioning Partitioning { get; }

    /// <summary>Subsequences per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Ids per subsequence.</summary>
    public int Steps { get; }
    /// <summary>The seed of the epochs' offsets and orders.</summary>
    public ulong Seed { get; }

    /// <summary>One epoch of (X, Y) batches; each call draws a new offset (and, at random, a new order).</summary>
    public IEnumerable<(Tensor X, Tensor Y)> NextEpoch()
    {
        var random = Rng.Stream(Seed, $"sequence-batches/{_epoch++}");
        int offset = random.NextInt32(Steps);
        return Partitioning == Partitioning.Random ? RandomBatches(random, offset) : SequentialBatches(offset);
    }

    private IEnumerable<(Tensor X, Tensor Y)> RandomBatches(RandomStream random, int offset)
    {
        int subsequences = (_corpus.Length - offset - 1) / Steps;
        var starts = Enumerable.Range(0, subsequences).Select(i => offset + i * Steps).ToArray();
        random.Shuffle(starts.AsSpan());
        for (int b = 0; b + BatchSize <= starts.Length; b += BatchSize)
            yield return Batch(i => starts[b + i]);
    }

    // The corpus from the offset, trimmed to batchSize equal streams; batch k is columns [k·steps, (k + 1)·steps) of each.
    private IEnumerable<(Tensor X, Tensor Y)> SequentialBatches(int offset)
    {
        int streamLength = (_corpus.Length - offset - 1) / BatchSize;
        for (int column = 0; column + Steps <= streamLength; column += Steps)
            yield return Batch(i => offset + i * streamLength + column);
    }

    /// <summary>Row i is the subsequence starting at <paramref name="start"/>(i); Y the same one id later.</summary>
    private (Tensor X, Tensor Y) Batch(Func<int, int> start)
    {
        var x = new float[BatchSize * Steps];
        var y = new float[BatchSize * Steps];
        for (int i = 0; i < BatchSize; i++)
        {
            int from = start(i);
            for (int t = 0; t < Steps; t++)
            {
                x[i * Steps + t] = _corpus[from + t];
                y[i * Steps + t] = _corpus[from + t + 1];
            }
        }
        return (Tensor.FromArray(x, BatchSize, Steps), Tensor.FromArray(y, BatchSize, Steps));
    }
}
