using System.Collections;
using Sprout.Data.Transforms;
using Sprout.Kernels;
using Sprout.Training;

namespace Sprout.Data;

/// <summary>
/// Mini-batches over samples held in memory, or read one by one from an <see cref="ISampleSource"/>. Each enumeration is one epoch; with <c>shuffle</c> every epoch gets its
/// own permutation from the stream (seed, epoch number), so runs are reproducible. Batches are gathered into two
/// buffers that are reused, so an epoch does not allocate per batch: a batch's tensors are valid until the next one
/// is requested. With <c>prefetch</c>, the next batch is gathered while the current one is used: on a spare core when
/// Sprout's kernels leave one (<see cref="Threads.Count"/> below the cores), else in small pieces that Sprout's
/// worker threads take while they wait between kernels (<see cref="BackgroundWork"/>), so it never competes with them.
/// Without it, a batch is gathered over all kernel threads when it is requested. With a <c>transform</c>, each image
/// (C, H, W) of data (N, C, H, W) is transformed as it is gathered (resized, cropped, flipped, normalized), drawing from
/// a stream keyed by the seed, the epoch and the sample.
/// </summary>
public sealed class DataLoader : IReadOnlyCollection<Batch>
{
    private readonly Tensor _data, _labels;   // a source's loader: meta tensors of one sample, shaped as its fields
    private readonly Tensor[] _more = [];    // further tensors batched alongside (valid lengths, a second input)
    private readonly int _sampleSize, _labelSize;
    private readonly int[] _moreSizes = [];
    private readonly ISampleSource? _source;
    private readonly ImageTransform? _transform;
    private readonly ImageShape _imageShape, _batchImageShape;
    private readonly Batch[] _full = new Batch[2];
    private Batch? _partial;
    private int _epoch;

    /// <summary>Batches of <paramref name="data"/> (N, …) with <paramref name="labels"/> (N), <paramref name="batchSize"/> samples each; shuffled each epoch from <paramref name="seed"/> when asked; the last short batch dropped with <paramref name="dropLast"/>; the next batch gathered ahead when <paramref name="prefetch"/>; each image passed through <paramref name="transform"/> when given (data must then be (N, C, H, W)).</summary>
    public DataLoader(Tensor data, Tensor labels, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, bool prefetch = true,
        ImageTransform? transform = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Rank == 0 || labels.Rank == 0 || data.Shape[0] != labels.Shape[0])
            throw new ArgumentException($"DataLoader: data of shape {data.Shape} and labels of shape {labels.Shape} must have the same first (sample) dimension.");
        if (dropLast && batchSize > data.Shape[0])
            throw new ArgumentException($"DataLoader: batch size {batchSize} with dropLast leaves no batch from {data.Shape[0]} samples.", nameof(batchSize));
        (_data, _labels, BatchSize, Shuffle, Seed, DropLast, Prefetch) = (data, labels, batchSize, shuffle, seed, dropLast, prefetch);
        _sampleSize = data.Shape.Product(1, data.Rank);
        _labelSize = labels.Shape.Product(1, labels.Rank);
        if (transform is not null)
        {
            _imageShape = ImageShape.OfSamples(data.Shape, "DataLoader with a transform");
            _batchImageShape = transform.OutputShape(_imageShape);
            _transform = transform;
        }
    }

    /// <summary>
    /// Batches of several tensors that share their first (sample) axis, shuffled together, as PyTorch's
    /// <c>DataLoader(TensorDataset(*tensors))</c>: <paramref name="tensors"/>[0] is each batch's <see cref="Batch.Data"/>,
    /// [1] its <see cref="Batch.Labels"/>, the rest its <see cref="Batch.More"/> (also <c>batch[i]</c>) — a translation
    /// pair's source, target and their valid lengths. Same options as the two-tensor loader, without a transform.
    /// </summary>
    public DataLoader(IReadOnlyList<Tensor> tensors, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, bool prefetch = true)
        : this(First(tensors, 0), First(tensors, 1), batchSize, shuffle, seed, dropLast, prefetch)
    {
        for (int i = 2; i < tensors.Count; i++)
            if (tensors[i] is not { Rank: > 0 } t || t.Shape[0] != _data.Shape[0])
                throw new ArgumentException(
                    $"DataLoader: tensor {i} has shape {tensors[i]?.Shape.ToString() ?? "null"}, but every tensor must have the first (sample) dimension of tensor 0, {_data.Shape[0]}.", nameof(tensors));
        _more = [.. tensors.Skip(2)];
        _moreSizes = [.. _more.Select(t => t.Shape.Product(1, t.Rank))];
    }

    /// <summary>
    /// Batches of the samples <paramref name="source"/> reads one by one (PyTorch's <c>DataLoader(dataset)</c> over a
    /// map-style data set): its fields [0] and [1] are each batch's <see cref="Batch.Data"/> and
    /// <see cref="Batch.Labels"/>, the rest its <see cref="Batch.More"/>. Same options as the tensor loaders; the
    /// samples of a batch are read in parallel, and the next batch ahead when <paramref name="prefetch"/>. An exception
    /// from <see cref="ISampleSource.Read"/> comes out of the enumeration naming the sample.
    /// </summary>
    /// <exception cref="ArgumentException">No samples, fewer than two fields, or a field shape with an unknown size.</exception>
    public DataLoader(ISampleSource source, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, bool prefetch = true)
        : this(Empty(source, 0), Empty(source, 1), batchSize, shuffle, seed, dropLast: false, prefetch)
    {
        if (dropLast && batchSize > source.Count)
            throw new ArgumentException($"DataLoader: batch size {batchSize} with dropLast leaves no batch from {source.Count} samples.", nameof(batchSize));
        DropLast = dropLast;
        _source = source;
        _more = [.. Enumerable.Range(2, source.FieldShapes.Count - 2).Select(f => Empty(source, f))];
        _moreSizes = [.. _more.Select(t => t.Shape.Product(1, t.Rank))];
    }

    /// <summary>A meta tensor of one sample of field <paramref name="field"/>: what the loader's buffers are shaped after.</summary>
    private static Tensor Empty(ISampleSource source, int field)
    {
        ArgumentNullException.ThrowIfNull(source);
        var shapes = source.FieldShapes ?? throw new ArgumentException($"DataLoader: {source.GetType().Name}.FieldShapes is null.", nameof(source));
        string name = source.GetType().Name;
        if (source.Count <= 0)
            throw new ArgumentException($"DataLoader: {name} has {source.Count} samples; a data set to batch needs at least one.", nameof(source));
        if (shapes.Count < 2)
            throw new ArgumentException(
                $"DataLoader: {name}.FieldShapes lists {shapes.Count} field(s); give at least two, the data and the label (a class index has shape ()), then any others.", nameof(source));
        var shape = shapes[field];
        if (!shape.IsKnown)
            throw new ArgumentException($"DataLoader: field {field} of {name} has shape {shape} with an unknown size; every size of a sample must be known.", nameof(source));
        return Tensor.Meta(new Shape([1, .. shape.ToArray()]));
    }

    private static Tensor First(IReadOnlyList<Tensor> tensors, int index)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count < 2)
            throw new ArgumentException($"DataLoader: give at least two tensors (the data and the labels, then any others); got {tensors.Count}.", nameof(tensors));
        return tensors[index] ?? throw new ArgumentNullException(nameof(tensors), $"DataLoader: tensor {index} is null.");
    }

    /// <summary>The transform each image goes through as it is gathered, if any.</summary>
    public ImageTransform? Transform => _transform;

    /// <summary>Samples per batch (the last may have fewer unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle { get; }
    /// <summary>The seed of the shuffling stream (epoch e uses a stream keyed by it and e).</summary>
    public ulong Seed { get; }
    /// <summary>Whether a last batch shorter than <see cref="BatchSize"/> is left out.</summary>
    public bool DropLast { get; }
    /// <summary>Whether the next batch is gathered while the current one is used.</summary>
    public bool Prefetch { get; }

    /// <summary>The number of samples.</summary>
    public int SampleCount => _source?.Count ?? _data.Shape[0];

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? SampleCount / BatchSize : (SampleCount + BatchSize - 1) / BatchSize;

    int IReadOnlyCollection<Batch>.Count => BatchCount;

    /// <inheritdoc/>
    public IEnumerator<Batch> GetEnumerator()
    {
        int epoch = Interlocked.Increment(ref _epoch);
        var order = Order(epoch);
        bool spareCore = Threads.Count < Environment.ProcessorCount;
        Task<Batch>? next = null;
        (BackgroundWork Work, Batch Batch)? pending = null;
        try
        {
            for (int b = 0; b < BatchCount; b++)
            {
                Batch current;
                if (next is not null) current = next.GetAwaiter().GetResult();
                else if (pending is { } p) { p.Work.Complete(); current = p.Batch; }
                else current = Gather(order, epoch, b, overKernelThreads: true);
                (next, pending) = (null, null);
                int following = b + 1;
                if (Prefetch && following < BatchCount)
                {
                    if (spareCore) next = Task.Run(() => Gather(order, epoch, following, overKernelThreads: false));
                    else pending = GatherInBackground(order, epoch, following);
                }
                yield return current;
            }
        }
        finally
        {
            // An enumeration left early must not leave a gather writing into a buffer the next one will use.
            next?.Wait();
            pending?.Work.Complete();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, SampleCount).ToArray();
        if (Shuffle) Rng.Stream(Seed, $"DataLoader epoch {epoch}").Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>The buffer batch <paramref name="b"/> is copied into (alternating between two full ones), made on first use.</summary>
    private Batch BufferFor(int b)
    {
        int size = Math.Min(BatchSize, SampleCount - b * BatchSize);
        var batch = size == BatchSize ? _full[b % 2] : _partial.GetValueOrDefault();
        if (batch.Data is null)
        {
            var shape = _transform is null ? _data.Shape.With(0, size) : new Shape(size, _batchImageShape.Channels, _batchImageShape.Height, _batchImageShape.Width);
            batch = new Batch(new Tensor(shape), new Tensor(_labels.Shape.With(0, size)), [.. _more.Select(t => new Tensor(t.Shape.With(0, size)))]);
            if (size == BatchSize) _full[b % 2] = batch;
            else _partial = batch;
        }
        return batch;
    }

    /// <summary>
    /// Copies the samples of batch <paramref name="b"/> into its buffer; a large batch over the kernel threads when
    /// <paramref name="overKernelThreads"/> (never from a prefetch on a spare core: that would take the threads from
    /// the kernels), in contiguous ranges of samples.
    /// </summary>
    private Batch Gather(int[] order, int epoch, int b, bool overKernelThreads)
    {
        var batch = BufferFor(b);
        int start = b * BatchSize, size = batch.Size;
        long work = _source is null ? (long)size * _sampleSize : (long)size * WorkerPool.MinParallelWork;   // a sample read is worth a thread
        if (overKernelThreads) WorkerPool.ForRanges(size, work, (from, to) => Copy(order, epoch, start, from, to, batch));
        else Copy(order, epoch, start, 0, size, batch);
        return batch;
    }

    /// <summary>Samples per piece of a background gather: small, so that a kernel job never waits long for a worker.</summary>
    private const int BackgroundPieceSamples = 16;

    /// <summary>Starts copying batch <paramref name="b"/> in pieces that Sprout's workers take while idle between kernels.</summary>
    private (BackgroundWork, Batch) GatherInBackground(int[] order, int epoch, int b)
    {
        var batch = BufferFor(b);
        int start = b * BatchSize, size = batch.Size;
        int pieces = (size + BackgroundPieceSamples - 1) / BackgroundPieceSamples;
        var work = BackgroundWork.Start(pieces, piece =>
            Copy(order, epoch, start, piece * BackgroundPieceSamples, Math.Min(size, (piece + 1) * BackgroundPieceSamples), batch));
        return (work, batch);
    }

    /// <summary>Copies samples order[start + from .. start + to) into rows from .. to of <paramref name="batch"/>.</summary>
    private void Copy(int[] order, int epoch, int start, int from, int to, Batch batch)
    {
        if (_source is not null)
        {
            Read(_source, order, start, from, to, batch);
            return;
        }
        var src = _data.Span; var lsrc = _labels.Span;
        var dst = batch.Data.AsSpan(); var ldst = batch.Labels.AsSpan();
        int outputSize = _transform is null ? _sampleSize : _batchImageShape.Length;
        for (int i = from; i < to; i++)
        {
            int s = order[start + i];
            if (_transform is null) src.Slice(s * _sampleSize, _sampleSize).CopyTo(dst.Slice(i * _sampleSize, _sampleSize));
            else _transform.Apply(src.Slice(s * _sampleSize, _sampleSize), _imageShape, dst.Slice(i * outputSize, outputSize), ImageTransform.StreamFor(Seed, epoch, s));
            lsrc.Slice(s * _labelSize, _labelSize).CopyTo(ldst.Slice(i * _labelSize, _labelSize));
            for (int k = 0; k < _more.Length; k++)
            {
                int n = _moreSizes[k];
                _more[k].Span.Slice(s * n, n).CopyTo(batch.More[k].AsSpan().Slice(i * n, n));
            }
        }
    }

    /// <summary>Has <paramref name="source"/> write samples order[start + from .. start + to) into rows from .. to of <paramref name="batch"/>.</summary>
    private static void Read(ISampleSource source, int[] order, int start, int from, int to, Batch batch)
    {
        for (int i = from; i < to; i++)
        {
            int index = order[start + i];
            try { source.Read(index, new SampleFields(batch, i)); }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"DataLoader: {source.GetType().Name}.Read({index}) threw {e.GetType().Name}: {e.Message} (sample {index} of {source.Count}; the inner exception has its stack).", e);
            }
        }
    }
}
