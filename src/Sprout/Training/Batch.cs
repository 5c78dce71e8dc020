namespace Sprout.Training;

/// <summary>One mini-batch: samples (B, …) and labels (B, …). Its tensors are reused by the loader: read them before asking for the next batch.</summary>
public readonly record struct Batch(Tensor Data, Tensor Labels)
{
    /// <summary>The number of samples in the batch.</summary>
    public int Size => Data.Shape[0];
}
