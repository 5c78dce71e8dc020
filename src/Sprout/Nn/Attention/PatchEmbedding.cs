namespace Sprout.Nn;

/// <summary>
/// The Vision Transformer's patch embedding: a <see cref="Conv2D"/> with kernel and stride equal to the patch size maps
/// each patch to <c>hidden</c> features; (B, C, H, W) → (B, (H/p)·(W/p), hidden). The channel count is inferred.
/// Child <c>conv</c>.
/// </summary>
public sealed class PatchEmbedding : Block
{
    /// <summary>Patches of <paramref name="patchSize"/> embedded in <paramref name="hidden"/> features.</summary>
    public PatchEmbedding(int hidden, Size2 patchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        PatchSize = patchSize;
        Conv = AddChild("conv", new Conv2D(hidden, patchSize, strides: patchSize));
    }

    /// <summary>The patch (height, width).</summary>
    public Size2 PatchSize { get; }
    /// <summary>The patch projection.</summary>
    public Conv2D Conv { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[2] % PatchSize.H != 0 || x.Shape[3] % PatchSize.W != 0)
            throw new ArgumentException(
                $"PatchEmbedding at '{CurrentPathOrRoot}' expects images (N, C, H, W) whose sides are multiples of the patch {PatchSize}; got {x.Shape}. Resize or crop the images.", nameof(x));
        var y = Conv.Forward(x);   // (B, hidden, H/p, W/p)
        return y.Flatten(2).Transpose(0, 2, 1);
    }
}
