namespace Sprout.Data;

/// <summary>
/// A data set read one sample at a time, as PyTorch's map-style <c>Dataset</c> (<c>__len__</c> and
/// <c>__getitem__</c>): for samples made on demand, read from files, or too many to hold as one tensor. A
/// <see cref="DataLoader"/> batches, shuffles and prefetches it as it does tensors; <see cref="Read"/> writes each
/// field of a sample straight into the batch (no tensor per sample).
/// </summary>
public interface ISampleSource
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>
    /// The shape of each field of one sample, without the sample axis: [0] the data, [1] the label (a class index has
    /// shape ()), then any others (a batch's <see cref="Training.Batch.More"/>). Every size is known.
    /// </summary>
    IReadOnlyList<Shape> FieldShapes { get; }

    /// <summary>
    /// Writes sample <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>) into <paramref name="fields"/>,
    /// every element of every field. Called from several threads at once, each for another sample: keep it free of
    /// shared mutable state, or lock.
    /// </summary>
    void Read(int index, SampleFields fields);
}
