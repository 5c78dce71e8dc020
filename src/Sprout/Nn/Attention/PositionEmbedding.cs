namespace Sprout.Nn;

/// <summary>
/// A learnable position embedding added to (B, T, H) inputs (ViT's, BERT's): parameter <c>weight</c> (maxLength, H),
/// step t adds row t. H is inferred from the first input, and so is maxLength when left out (then T of the first input:
/// a ViT's patch count follows the image size).
/// </summary>
public sealed class PositionEmbedding : Block
{
    /// <summary>An embedding for sequences up to <paramref name="maxLength"/> steps; both sizes inferred when left out.</summary>
    public PositionEmbedding(int maxLength = Shape.Unknown, int features = Shape.Unknown)
    {
        if (maxLength <= 0 && maxLength != Shape.Unknown) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "Expected a positive length, or leave it out to infer it.");
        Weight = AddParameter("weight", new Shape(maxLength, features), new Init.Normal(0.02f));
    }

    /// <summary>(maxLength, features).</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 3 || (Weight.Shape[0] != Shape.Unknown && x.Shape[1] > Weight.Shape[0]))
            throw new ArgumentException($"PositionEmbedding at '{CurrentPathOrRoot}' expects (batch, steps ≤ {Weight.Shape[0]}, features); got {x.Shape}.", nameof(x));
        RefineShape(Weight, new Shape(Weight.Shape[0] == Shape.Unknown ? x.Shape[1] : Weight.Shape[0], x.Shape[2]), x, "features");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x + Weight.Data().Narrow(0, 0, x.Shape[1]);
}
