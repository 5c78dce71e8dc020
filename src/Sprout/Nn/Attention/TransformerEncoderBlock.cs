using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// The Transformer encoder block, post-norm as in the book: X ← LayerNorm(X + Dropout(SelfAttention(X))),
/// X ← LayerNorm(X + Dropout(FFN(X))), FFN(x) = W₂·act(W₁x + b₁) + b₂ with <c>ffnHidden</c> inner features. The width
/// is inferred from the input, so one definition serves any model width. Names as PyTorch's
/// <c>TransformerEncoderLayer</c>: <c>self_attn</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>.
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
        Linear1Weight = AddParameter("linear1.weight", new Shape(ffnHidden, Shape.Unknown));
        Linear1Bias = AddParameter("linear1.bias", new Shape(ffnHidden));
        Linear2Weight = AddParameter("linear2.weight", new Shape(Shape.Unknown, ffnHidden));
        Linear2Bias = AddParameter("linear2.bias", new Shape(Shape.Unknown));
        Norm1 = AddChild("norm1", new LayerNorm());
        Norm2 = AddChild("norm2", new LayerNorm());
    }

    /// <summary>The self-attention.</summary>
    public MultiHeadAttention SelfAttention { get; }
    /// <summary>After the attention's residual sum.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>After the FFN's residual sum.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>(ffnHidden, width).</summary>
    public Parameter Linear1Weight { get; }
    /// <summary>(ffnHidden).</summary>
    public Parameter Linear1Bias { get; }
    /// <summary>(width, ffnHidden).</summary>
    public Parameter Linear2Weight { get; }
    /// <summary>(width).</summary>
    public Parameter Linear2Bias { get; }
    /// <summary>The dropout rate on the two residual branches (and the attention weights) while training.</summary>
    public float Dropout { get; }
    /// <summary>The FFN's activation.</summary>
    public Activation Activation { get; }

    /// <summary>Encodes <paramref name="x"/> (B, T, H); keys beyond <paramref name="validLengths"/> are ignored.</summary>
    public Tensor Forward(Tensor x, Tensor? validLengths) => Forward([x, validLengths])[0];

    /// <inheritdoc/>
    protected override void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank != 3) throw new ArgumentException($"TransformerEncoderBlock at '{CurrentPathOrRoot}' expects (batch, steps, width); got {x.Shape}.", nameof(inputs));
        int width = x.Shape[^1];
        RefineShape(Linear1Weight, new Shape(Linear1Weight.Shape[0], width), x, "features (the model width)");
        RefineShape(Linear2Weight, new Shape(width, Linear2Weight.Shape[1]), x, "features (the model width)");
        RefineShape(Linear2Bias, new Shape(width), x, "features (the model width)");
    }

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var validLengths = inputs.Count > 1 ? inputs[1] : null;
        var attended = SelfAttention.Forward(x, x, x, validLengths);
        var y = Norm1.Forward(x + Drop(attended));
        var ffn = Tensor.Linear(Activation.Apply(Tensor.Linear(y, Linear1Weight.Data(), Linear1Bias.Data())), Linear2Weight.Data(), Linear2Bias.Data());
        return [Norm2.Forward(y + Drop(ffn))];
    }

    private Tensor Drop(Tensor x) =>
        Dropout == 0 || !Autograd.IsTraining || x.IsMeta ? x : x * Tensor.DropoutMask(x.Shape, Dropout, NextRandom(x.Length));

    /// <inheritdoc/>
    protected override string Describe() => $"TransformerEncoderBlock(dropout={Dropout}, {Activation.Describe()})";
}
