namespace Sprout.Nn;

/// <summary>
/// The Vision Transformer's encoder block, pre-norm as in the book: X ← X + MHA(LN(X)), X ← X + MLP(LN(X)), the MLP
/// Dense(mlpHidden) → GELU → Dropout → Dense(width) → Dropout. The width is inferred. Children <c>norm1</c>,
/// <c>attention</c>, <c>norm2</c>, <c>mlp</c>.
/// </summary>
public sealed class VitBlock : Block
{
    /// <summary>A block of <paramref name="heads"/> heads and an MLP of <paramref name="mlpHidden"/> features.</summary>
    public VitBlock(int heads, int mlpHidden, float dropout = 0f, bool useBias = false)
    {
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        Dropout = dropout;
        Norm1 = AddChild("norm1", new LayerNorm());
        Attention = AddChild("attention", new MultiHeadAttention(heads, dropout: dropout, useBias: useBias));
        Norm2 = AddChild("norm2", new LayerNorm());
        Mlp = AddChild("mlp", new PositionWiseFfn(mlpHidden, Activation.Gelu));
    }

    /// <summary>Before the attention.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>Self-attention.</summary>
    public MultiHeadAttention Attention { get; }
    /// <summary>Before the MLP.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>Dense → GELU → Dense.</summary>
    public PositionWiseFfn Mlp { get; }
    /// <summary>The dropout rate while training.</summary>
    public float Dropout { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var normed = Norm1.Forward(x);
        x = x + Attention.Forward(normed, normed, normed);
        return x + ApplyDropout(Mlp.Forward(Norm2.Forward(x)), Dropout);
    }
}
