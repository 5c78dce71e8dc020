namespace Sprout.Nn;

/// <summary>
/// The Transformer decoder block, post-norm as in the book: causal self-attention (a step sees itself and the steps
/// before it, never after), attention over the encoder's outputs (keys beyond their valid lengths ignored), and the
/// position-wise FFN, each followed by dropout, a residual sum and a LayerNorm. The width is inferred from the input.
/// Names as PyTorch's <c>TransformerDecoderLayer</c>: <c>self_attn</c>, <c>multihead_attn</c>, <c>linear1</c>,
/// <c>linear2</c>, <c>norm1</c>–<c>norm3</c>. (B, T, H) × encoder (B, S, He) → (B, T, H).
/// </summary>
public sealed class TransformerDecoderBlock : Block
{
    /// <summary>A block of <paramref name="heads"/> heads and an FFN of <paramref name="ffnHidden"/> features.</summary>
    public TransformerDecoderBlock(int heads, int ffnHidden, float dropout = 0f, Activation activation = Activation.Relu, bool useBias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ffnHidden);
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        (Dropout, Activation) = (dropout, activation);
        SelfAttention = AddChild("self_attn", new MultiHeadAttention(heads, dropout: dropout, useBias: useBias));
        CrossAttention = AddChild("multihead_attn", new MultiHeadAttention(heads, dropout: dropout, useBias: useBias));
        Ffn = AddChild("ffn", new PositionWiseFfn(ffnHidden, activation));
        Norm1 = AddChild("norm1", new LayerNorm());
        Norm2 = AddChild("norm2", new LayerNorm());
        Norm3 = AddChild("norm3", new LayerNorm());
    }

    /// <summary>Causal self-attention.</summary>
    public MultiHeadAttention SelfAttention { get; }
    /// <summary>Attention over the encoder's outputs.</summary>
    public MultiHeadAttention CrossAttention { get; }
    /// <summary>The position-wise feed-forward network.</summary>
    public PositionWiseFfn Ffn { get; }
    /// <summary>After the self-attention's residual sum.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>After the cross-attention's residual sum.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>After the FFN's residual sum.</summary>
    public LayerNorm Norm3 { get; }
    /// <summary>The dropout rate on the residual branches while training.</summary>
    public float Dropout { get; }
    /// <summary>The FFN's activation.</summary>
    public Activation Activation { get; }

    /// <summary>Decodes <paramref name="x"/> attending to <paramref name="encoderOutputs"/>, whose keys beyond <paramref name="encoderValidLengths"/> are ignored.</summary>
    public Tensor Forward(Tensor x, Tensor encoderOutputs, Tensor? encoderValidLengths = null) => Forward([x, encoderOutputs, encoderValidLengths])[0];

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var memory = inputs.Count > 1 && inputs[1] is { } m ? m
            : throw new ArgumentException($"TransformerDecoderBlock at '{CurrentPathOrRoot}' needs the encoder's outputs as its second input.", nameof(inputs));
        var encoderValid = inputs.Count > 2 ? inputs[2] : null;
        if (x.Rank != 3) throw new ArgumentException($"TransformerDecoderBlock at '{CurrentPathOrRoot}' expects (batch, steps, width); got {x.Shape}.", nameof(inputs));
        var causal = Tensor.CausalMask(x.Shape[1], x.Shape[1]);
        var y = Norm1.Forward(x + ApplyDropout(SelfAttention.Forward(x, x, x, null, causal), Dropout));
        var z = Norm2.Forward(y + ApplyDropout(CrossAttention.Forward(y, memory, memory, encoderValid), Dropout));
        return [Norm3.Forward(z + ApplyDropout(Ffn.Forward(z), Dropout))];
    }


    /// <inheritdoc/>
    protected override string Describe() => $"TransformerDecoderBlock(dropout={Dropout}, {Activation.Describe()})";
}
