using Sprout.Training;

namespace Sprout.Data;

/// <summary>
/// Where <see cref="ISampleSource.Read"/> writes one sample: its row of each of the batch's tensors, field
/// <c>f</c> holding <see cref="ISampleSource.FieldShapes"/>[f]'s element count, row-major.
/// </summary>
public readonly struct SampleFields
{
    private readonly Batch _batch;
    private readonly int _row;

    internal SampleFields(Batch batch, int row) => (_batch, _row) = (batch, row);

    /// <summary>The number of fields (2 and the batch's further tensors).</summary>
    public int Count => 2 + _batch.More.Count;

    /// <summary>Field <paramref name="field"/> of this sample: 0 the data, 1 the label, then the others.</summary>
    public Span<float> this[int field]
    {
        get
        {
            var tensor = _batch[field];
            int length = tensor.Length / tensor.Shape[0];
            return tensor.AsSpan().Slice(_row * length, length);
        }
    }

    /// <summary>The data (field 0).</summary>
    public Span<float> Data => this[0];

    /// <summary>The label (field 1).</summary>
    public Span<float> Label => this[1];
}
