namespace Sprout.Nn;

/// <summary>
/// Prepends a learnable class token to a sequence, (B, T, H) → (B, T + 1, H), as the Vision Transformer does; its
/// output at position 0 then summarizes the sequence. Parameter <c>cls_token</c> (1, 1, H), H inferred, zeros at first.
/// </summary>
public sealed class ClassToken : Block
{
    /// <summary>A class token of <paramref name="features"/> features, inferred when left out.</summary>
    public ClassToken(int features = Shape.Unknown) =>
        Token = AddParameter("cls_token", new Shape(1, 1, features), new Init.Zero());

    /// <summary>(1, 1, H).</summary>
    public Parameter Token { get; }

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 3) throw new ArgumentException($"ClassToken at '{CurrentPathOrRoot}' expects (batch, steps, features); got {x.Shape}.", nameof(x));
        RefineShape(Token, new Shape(1, 1, x.Shape[2]), x, "features");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) =>
        Tensor.Concat(1, Token.Data().BroadcastTo(new Shape(x.Shape[0], 1, x.Shape[2])), x);
}
