namespace Sprout.Nn;

/// <summary>
/// The Transformer encoder block, post-norm as in the book: X ← LayerNorm(X + Dropout(SelfAttention(X))),
/// X ← LayerNorm(X + Dropout(FFN(X))), FFN(x) = W₂·act(W₁x + b₁) + b₂ with <c>ffnHidden</c> inner features. The width
/// is inferred from the input, so one definition serves any model width. Children <c>self_attn</c>, <c>ffn</c>
/// (<c>linear1</c>, <c>linear2</c>), <c>norm1</c>, <c>norm2</c>, as PyTorch's <c>TransformerEncoderLayer</c> names them
/// (its FFN parameters sit one level up).
/// (B, T, H) → (B, T, H); valid lengths (B) or (B, T) mask padded keys.
/// </summary>
public sealed class TransformerEncoderBlock : Block
{
    /// <summary>A block of <paramref name="heads"/> heads and an FFN of <paramref name="ffnHidden"/> features; <paramref name="activation"/> ReLU or GELU.</summary>
    public TransformerEncoderBlock(int heads, int ffnHidden, float dropout = 0f, Activation activation = Activation.Relu, bool useBias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ffnHidden);
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        (Dropout, Activation) = (dropout, activation);
        SelfAttention = AddChild("self_attn", new MultiHeadAttention(heads, dropout: dropout, useBias: useBias));
        Ffn = AddChild("ffn", new PositionWiseFfn(ffnHidden, activation));
        Norm1 = AddChild("norm1", new LayerNorm());
        Norm2 = AddChild("norm2", new LayerNorm());
    }

    /// <summary>The self-attention.</summary>
    public MultiHeadAttention SelfAttention { get; }
    /// <summary>After the attention's residual sum.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>After the FFN's residual sum.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>The position-wise feed-forward network.</summary>
    public PositionWiseFfn Ffn { get; }
    /// <summary>The dropout rate on the two residual branches (and the attention weights) while training.</summary>
    public float Dropout { get; }
    /// <summary>The FFN's activation.</summary>
    public Activation Activation { get; }

    /// <summary>Encodes <paramref name="x"/> (B, T, H); keys beyond <paramref name="validLengths"/> are ignored.</summary>
    public Tensor Forward(Tensor x, Tensor? validLengths) => Forward([x, validLengths])[0];

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank != 3) throw new ArgumentException($"TransformerEncoderBlock at '{CurrentPathOrRoot}' expects (batch, steps, width); got {x.Shape}.", nameof(inputs));
        var validLengths = inputs.Count > 1 ? inputs[1] : null;
        var attended = SelfAttention.Forward(x, x, x, validLengths);
        var y = Norm1.Forward(x + ApplyDropout(attended, Dropout));
        return [Norm2.Forward(y + ApplyDropout(Ffn.Forward(y), Dropout))];
    }


    /// <inheritdoc/>
    protected override string Describe() => $"TransformerEncoderBlock(dropout={Dropout}, {Activation.Describe()})";
}
