namespace Sprout;

/// <summary>
/// An n-dimensional array of float32, contiguous and row-major. A tensor may be a view sharing another's storage
/// (<see cref="Reshape(int[])"/>, <see cref="Slice"/>). A <em>meta</em> tensor has a shape and no storage: every
/// op on it only computes and validates its output shape, which is how <c>Block.Build</c> runs a network
/// without arithmetic.
/// </summary>
public sealed partial class Tensor
{
    private readonly float[]? _data;
    private readonly int _offset;

    // Release of intermediates (Tensor.Release.cs).
    private readonly Tensor? _owner;      // for a view: the tensor whose storage it shares
    private int _views;                   // on an owner: views ever made of its storage
    private int _releasedViews;           // on an owner: those views since released
    private int _returned;                // on an owner: 1 once its storage went back to the pool (see MarkReleased)
    private List<Tensor>? _siblings;      // when transient: the intermediates one block's forward made with it
    private bool _isGradientBuffer;       // a leaf's gradient buffer (never released)
    private bool _pooled;                 // the storage came from the StoragePool and nobody else has it
    private object? _producer;            // set when transient: the block that produced it, for the error message
    private string? _producerName;
    private bool _released;

    // Autograd (Autograd/Tensor.Autograd.cs).
    private bool _graphFreed;

    /// <summary>The op that produced this tensor while recording; null for leaves and untracked tensors.</summary>
    internal TapeNode? Node { get; private set; }

    /// <summary>The gradient buffer of a leaf (a parameter's data), attached by <see cref="AttachGrad"/>.</summary>
    internal Tensor? GradBuffer { get; private set; }

    internal GradReq GradRequest { get; set; } = GradReq.Write;

    /// <summary>The array behind the elements (shared by views); null for a meta tensor. Throws once the tensor is released.</summary>
    internal float[]? Storage => _released ? throw ReleasedError() : _data;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>True for a shape-only tensor with no storage.</summary>
    public bool IsMeta => _data is null;

    internal Tensor(float[] storage, int offset, Shape shape)
    {
        _data = storage;
        _offset = offset;
        Shape = shape;
        Length = shape.ElementCount;
    }

    /// <summary>A view of <paramref name="source"/>'s storage, registered with the tensor that owns it.</summary>
    private Tensor(Tensor source, int offset, Shape shape) : this(source.Storage!, offset, shape)
    {
        _owner = source._owner ?? source;
        Interlocked.Increment(ref _owner._views);
    }

    /// <summary>The meta constructor: a shape and no storage.</summary>
    private Tensor(Shape shape, int length)
    {
        Shape = shape;
        Length = length;
    }

    /// <summary>Allocates a zero-filled tensor (large storage comes from <see cref="StoragePool"/>).</summary>
    internal Tensor(Shape shape) : this(StoragePool.Rent(shape.ElementCount, clear: true), 0, shape) => _pooled = true;

    /// <summary>A tensor whose elements are not initialized: only for an op that writes every element.</summary>
    internal static Tensor Uninitialized(Shape shape) => new(StoragePool.Rent(shape.ElementCount, clear: false), 0, shape) { _pooled = true };

    /// <summary>
    /// <see cref="Uninitialized"/> with element 0 on a 64-byte cache-line boundary (for kernels whose threads write
    /// interleaved blocks of each row: with rows and blocks a multiple of 16 floats, no line is written by two threads).
    /// Pooled arrays live on the large-object heap, which the GC does not move; if one ever moved, only speed would suffer.
    /// </summary>
    internal static Tensor UninitializedAligned(Shape shape)
    {
        var (storage, offset) = StoragePool.RentAligned(shape.ElementCount);
        return new Tensor(storage, offset, shape) { _pooled = true };
    }

    /// <summary>A tensor with a shape and no storage; ops on it compute shapes only.</summary>
    public static Tensor Meta(Shape shape) => new(shape, shape.ElementCount);

    /// <summary>A new tensor of the given shape: meta when <paramref name="meta"/>, else zero-filled.</summary>
    internal static Tensor Empty(Shape shape, bool meta) => meta ? Meta(shape) : new Tensor(shape);

    /// <summary>Like <see cref="Empty"/>, but the elements are not zeroed: for an op that writes every one of them.</summary>
    internal static Tensor EmptyForOverwrite(Shape shape, bool meta) => meta ? Meta(shape) : Uninitialized(shape);

    /// <summary>The elements, for the owner of the data to read or write in place.</summary>
    public Span<float> AsSpan()
    {
        ThrowIfMeta("AsSpan");
        return Storage.AsSpan(_offset, Length);
    }

    internal ReadOnlySpan<float> Span => AsSpan();

    /// <summary>
    /// Pins the elements in memory for native code (an MPI reduction, a BLAS call) until the handle is disposed, as
    /// <see cref="Memory{T}.Pin"/> does: the handle's pointer is the first of <see cref="Length"/> floats, row-major.
    /// Release the handle before <see cref="Release"/>-ing the tensor.
    /// </summary>
    public System.Buffers.MemoryHandle Pin()
    {
        ThrowIfMeta("Pin");
        return new Memory<float>(Storage, _offset, Length).Pin();
    }

    /// <summary>A copy of the elements in row-major order.</summary>
    public float[] ToArray() => AsSpan().ToArray();

    /// <summary>The single element of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {Shape} ({Length} elements).");
        return AsSpan()[0];
    }

    /// <summary>Reads or writes one element; one index per dimension (negative indices count from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] index]
    {
        get => AsSpan()[FlatIndex(index)];
        set
        {
            int flat = FlatIndex(index);
            BeginInPlaceWrite("Setting an element");   // an in-place write, as CopyFrom: Tensor.InPlace.cs
            AsSpan()[flat] = value;
        }
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
            throw new ArgumentException(
                $"The indexer reads one element: a tensor of shape {Shape} needs {Rank} indices, one per axis; got {index.Length}. " +
                "To take a row or a part, as PyTorch's x[i] or x[:, 2:6], use the range indexer: x[i, ..] or x[.., 2..6] (or Select(0, i)).", nameof(index));
        int flat = 0;
        for (int d = 0; d < Rank; d++)
        {
            int i = index[d] < 0 ? index[d] + Shape[d] : index[d];
            if (i < 0 || i >= Shape[d])
                throw new IndexOutOfRangeException($"Index {index[d]} is out of range for dimension {d} of size {Shape[d]} (shape {Shape}).");
            flat = flat * Shape[d] + i;
        }
        return flat;
    }

    /// <summary>A copy with its own storage (a meta tensor copies to a meta tensor).</summary>
    public Tensor Clone()
    {
        if (IsMeta) return Meta(Shape);
        var t = new Tensor(Shape);
        Span.CopyTo(t.AsSpan());
        return t;
    }

    /// <summary>A view of the same storage with another shape of the same element count.</summary>
    internal Tensor View(Shape shape) => IsMeta ? Meta(shape) : new Tensor(this, _offset, shape);

    /// <summary>
    /// A view for an op's own use while it runs (an operand reshaped for a kernel): unlike <see cref="View"/> it is not
    /// registered with the storage's owner, so it must neither outlive the op nor be returned from it.
    /// </summary>
    internal Tensor Alias(Shape shape) => IsMeta ? Meta(shape) : new Tensor(Storage!, _offset, shape);

    /// <summary>A view of rows [start, start + count) along the first axis.</summary>
    internal Tensor RowView(int start, int count)
    {
        var shape = Shape.With(0, count);
        if (IsMeta) return Meta(shape);
        int rowLength = Shape.Product(1, Rank);
        return new Tensor(this, _offset + start * rowLength, shape);
    }

    /// <summary>Marks (in <see cref="Exception.Data"/>) the error of reading values from a meta tensor, so a summary can tell it apart.</summary>
    internal const string MetaReadKey = "Sprout.MetaTensorRead";

    private void ThrowIfMeta(string operation)
    {
        if (IsMeta)
            throw new InvalidOperationException(
                $"{operation} needs data, but this tensor of shape {Shape} is a meta tensor (shape only, made by Build/Summary). Run a real forward pass to get values.")
            { Data = { [MetaReadKey] = true } };
    }

    /// <inheritdoc/>
    public override string ToString() => TensorFormatter.Format(this);
}
