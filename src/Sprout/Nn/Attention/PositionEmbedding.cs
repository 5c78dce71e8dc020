namespace Sprout.Nn;

/// <summary>
/// A learnable position embedding added to (B, T, H) inputs (ViT's, BERT's): parameter <c>weight</c> (maxLength, H),
/// H inferred from the first input; step t adds row t.
/// </summary>
public sealed class PositionEmbedding : Block
{
    /// <summary>An embedding for sequences up to <paramref name="maxLength"/> steps; <paramref name="features"/> inferred when left out.</summary>
    public PositionEmbedding(int maxLength, int features = Shape.Unknown)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        Weight = AddParameter("weight", new Shape(maxLength, features), new Init.Normal(0.02f));
    }

    /// <summary>(maxLength, features).</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 3 || x.Shape[1] > Weight.Shape[0])
            throw new ArgumentException($"PositionEmbedding at '{CurrentPathOrRoot}' expects (batch, steps ≤ {Weight.Shape[0]}, features); got {x.Shape}.", nameof(x));
        RefineShape(Weight, new Shape(Weight.Shape[0], x.Shape[2]), x, "features");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x + Weight.Data().Narrow(0, 0, x.Shape[1]);
}
