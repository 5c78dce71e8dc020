using Sprout.Tests.Autograd;

namespace Sprout.Tests.Attention;

/// <summary>
/// The fused scaled dot-product attention op against the same arithmetic composed from tested ops (batched products,
/// masked fill, softmax, dropout mask), and against finite differences: values, the weights, and every gradient —
/// through the output and through the weights — with valid lengths per row and per query, causal and full masks,
/// fully masked rows, and dropout drawing the same random numbers.
/// </summary>
public class FusedAttentionTests
{
    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    /// <summary>softmax(Q·Kᵀ/√d, masked)·V from ops, as the composed path computes it.</summary>
    private static (Tensor Output, Tensor Weights) Composed(Tensor q, Tensor k, Tensor v, Tensor? valid, Tensor? mask, Tensor? drop)
    {
        var scores = Tensor.MatMul(q, k, transposeB: true) * (1f / MathF.Sqrt(q.Shape[^1]));
        if (valid is not null) scores = scores.MaskedFill(Tensor.ValidLengthMask(valid, scores.Shape), Tensor.MaskedScore);
        if (mask is not null) scores = scores.MaskedFill(mask, Tensor.MaskedScore);
        var weights = scores.Softmax(-1);
        return (Tensor.MatMul(drop is null ? weights : weights * drop, v), weights);
    }

    public static TheoryData<string> Cases() => ["plain", "lengths", "per-query lengths", "causal", "full mask", "dropout"];

    /// <summary>The deterministic cases (a dropout mask is random: it is checked against the composed ops).</summary>
    public static TheoryData<string> MaskCases() => ["plain", "lengths", "per-query lengths", "causal", "full mask"];

    private static (Tensor? Valid, Tensor? Mask, float Dropout) Setup(string name, int b, int h, int tq, int tk) => name switch
    {
        "lengths" => (Tensor.FromArray([3, 0], b), null, 0f),   // batch row 1: every key masked, uniform weights
        "per-query lengths" => (Tensor.FromArray([.. Enumerable.Range(0, b * tq).Select(i => (float)(i % (tk + 1)))], b, tq), null, 0f),
        "causal" => (null, Tensor.CausalMask(tq, tk), 0f),
        "full mask" => (null, Tensor.Bernoulli(new Shape(b, h, tq, tk), 0.3f), 0f),
        "dropout" => (null, null, 0.25f),
        _ => (null, null, 0f),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_attention_matches_the_composed_ops_in_values_weights_and_every_gradient(string name)
    {
        Rng.Seed(4);
        int b = 2, h = 3, tq = 5, tk = 6, d = 4, dv = 7;
        var (q, k, v) = (R(b, h, tq, d), R(b, h, tk, d), R(b, h, tk, dv));
        var (valid, mask, dropout) = Setup(name, b, h, tq, tk);
        var upstream = R(b, h, tq, dv);
        var weightsUpstream = R(b, h, tq, tk);

        (float[] O, float[] W, float[][] Grads) Run(bool fused)
        {
            foreach (var x in new[] { q, k, v }) x.AttachGrad();
            var random = Rng.Stream(77, "attention dropout");
            Tensor o, w;
            using (Sprout.Autograd.Record())
            using (Sprout.Autograd.Train())
            {
                if (fused) (o, w) = Tensor.ScaledDotProductAttention(q, k, v, valid, mask, dropout, random);
                else (o, w) = Composed(q, k, v, valid, mask, dropout > 0 ? Tensor.DropoutMask(new Shape(b, h, tq, tk), dropout, random) : null);
                // Both the output and the weights feed the loss, so both backward paths are taken.
                ((o * upstream).Sum() + (w * weightsUpstream).Sum()).Backward();
            }
            return (o.ToArray(), w.ToArray(), [q.Grad().ToArray(), k.Grad().ToArray(), v.Grad().ToArray()]);
        }
        var (fo, fw, fg) = Run(fused: true);
        var (co, cw, cg) = Run(fused: false);
        TestHelpers.Close(co, fo, 1e-5f);
        TestHelpers.Close(cw, fw, 1e-6f);
        for (int i = 0; i < 3; i++) TestHelpers.Close(cg[i], fg[i], 1e-4f);
    }

    [Theory]
    [MemberData(nameof(MaskCases))]
    public void Fused_attention_gradients_match_finite_differences(string name)
    {
        Rng.Seed(6);
        int b = 2, h = 2, tq = 3, tk = 4;
        var (valid, mask, _) = Setup(name, b, h, tq, tk);
        GradCheck.Assert(x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], valid, mask).Output, R(b, h, tq, 3), R(b, h, tk, 3), R(b, h, tk, 2));
        GradCheck.Assert(x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], valid, mask).Weights, R(b, h, tq, 3), R(b, h, tk, 3), R(b, h, tk, 2));
    }

    [Fact]
    public void A_fully_masked_row_gets_uniform_weights_and_zero_score_gradients()
    {
        Rng.Seed(8);
        var (q, k, v) = (R(1, 2, 3), R(1, 4, 3), R(1, 4, 2));
        q.AttachGrad();
        Tensor w;
        using (Sprout.Autograd.Record())
        {
            (_, w) = Tensor.ScaledDotProductAttention(q, k, v, Tensor.FromArray([0], 1));
            (w * R(1, 2, 4)).Sum().Backward();
        }
        Assert.All(w.ToArray(), x => Assert.Equal(0.25f, x));
        Assert.All(q.Grad().ToArray(), g => Assert.Equal(0f, g));
    }
}
