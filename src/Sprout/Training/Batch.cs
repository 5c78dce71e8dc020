namespace Sprout.Training;

/// <summary>
/// One mini-batch: samples (B, …) and labels (B, …), and any further tensors the loader was given, batched alike (a
/// translation pair's valid lengths). Its tensors are reused by the loader: read them before asking for the next batch.
/// </summary>
public readonly record struct Batch(Tensor Data, Tensor Labels)
{
    /// <summary>A batch with tensors beyond the data and the labels, in the loader's order.</summary>
    public Batch(Tensor data, Tensor labels, IReadOnlyList<Tensor> more) : this(data, labels) => _more = more;

    private readonly IReadOnlyList<Tensor>? _more;

    /// <summary>The tensors after the data and the labels, in the order the loader was given them (empty when none).</summary>
    public IReadOnlyList<Tensor> More => _more ?? [];

    /// <summary>The number of samples in the batch.</summary>
    public int Size => Data.Shape[0];

    /// <summary>Tensor <paramref name="index"/> of the batch in the loader's order: 0 the data, 1 the labels, then <see cref="More"/>.</summary>
    public Tensor this[int index] => index switch
    {
        0 => Data,
        1 => Labels,
        _ when index >= 2 && index - 2 < More.Count => More[index - 2],
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, $"This batch holds {2 + More.Count} tensors (0: data, 1: labels{(More.Count > 0 ? $", 2..{1 + More.Count}: the others" : "")})."),
    };
}
