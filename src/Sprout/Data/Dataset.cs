namespace Sprout.Data;

/// <summary>Samples and their labels, with where they came from.</summary>
/// <param name="Images">(N, 1, 28, 28) float32 in [0, 1] for Fashion-MNIST.</param>
/// <param name="Labels">(N,) class indices as floats.</param>
/// <param name="Source">The folder read, or "embedded subset".</param>
/// <param name="IsSubset">True when the small subset shipped inside Sprout was used.</param>
public sealed record Dataset(Tensor Images, Tensor Labels, string Source, bool IsSubset)
{
    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;
}
