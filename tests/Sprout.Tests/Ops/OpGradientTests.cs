using Sprout.Tests.Autograd;

namespace Sprout.Tests.Ops;

/// <summary>Backward rules of the sequence, attention and modern-network ops against finite differences.</summary>
public class OpGradientTests
{
    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);
    private static Tensor Positive(params int[] shape) => Tensor.RandomUniform(new Shape(shape), 0.5f, 2f);

    /// <summary>Values kept away from 0 (and apart from each other) so that kinks and ties are not straddled by ε.</summary>
    private static Tensor Spread(params int[] shape)
    {
        int n = new Shape(shape).ElementCount;   // a shuffled grid 0.1 apart, centred, none within 0.025 of zero
        return Tensor.FromArray([.. Rng.RandomPermutation(n).Select(k => k * 0.1f - 0.05f * n + 0.025f)], shape);
    }

    public OpGradientTests() => Rng.Seed(16);

    [Fact] public void Pow_of_a_tensor_to_a_broadcast_tensor_exponent() => GradCheck.Assert(x => Tensor.Pow(x[0], x[1]), Positive(2, 3), R(3));

    [Fact]
    public void Pow_values_broadcast_and_a_zero_base_gives_the_exponent_no_NaN_gradient()
    {
        Assert.Equal([1f, 2, 8], Tensor.Pow(2f, Tensor.FromArray([0f, 1, 3], 3)).ToArray());
        Assert.Equal([1f, 2, 4, 1, 3, 9], Tensor.Pow(Tensor.FromArray([2f, 3], 2, 1), Tensor.FromArray([0f, 1, 2], 3)).ToArray());
        var b = Tensor.FromArray([2f, 3f], 2);
        b.AttachGrad();
        using (global::Sprout.Autograd.Record()) Tensor.Pow(Tensor.FromArray([0f, 2f], 2), b).Sum().Backward();
        Assert.Equal(0f, b.Grad()[0]);                        // 0^b·ln 0 taken as 0, as PyTorch does
        Assert.Equal(8f * MathF.Log(2f), b.Grad()[1], 4);      // 2³·ln 2
    }

    [Fact] public void Unsqueeze_squeeze_flatten() => GradCheck.Assert(x => x[0].Unsqueeze(1).Squeeze(1).Unsqueeze(-1).Flatten(1) * x[1], R(2, 3), R(2, 3));
    [Fact] public void Sort_sends_each_gradient_to_the_position_its_value_came_from() => GradCheck.Assert(x => x[0].Sort(0, descending: true).Values * x[1], R(3, 4), R(3, 4));
    [Fact] public void Stack_on_a_negative_axis() => GradCheck.Assert(x => Tensor.Stack(-1, x[0], x[1], x[0]), R(2, 3), R(2, 3));
    [Fact] public void Split_and_chunk() => GradCheck.Assert(x => x[0].Split(1, 1, 3)[1] * 2f + x[0].Chunk(2, 1)[1].Sum(), R(3, 4));
    [Fact] public void Repeat_tiles() => GradCheck.Assert(x => x[0].Repeat(2, 1, 3), R(2, 3));
    [Fact] public void RepeatInterleave() => GradCheck.Assert(x => x[0].RepeatInterleave(3, -1), R(2, 3));
    [Fact] public void Pad() => GradCheck.Assert(x => x[0].Pad([1, 0, 2], [0, 2, 1], value: 3f), R(2, 3, 2));
    [Fact] public void IndexSelect_with_repeated_indices() => GradCheck.Assert(x => x[0].IndexSelect(1, [2, 0, 2, 2]), R(3, 4));
    [Fact] public void Gather() => GradCheck.Assert(x => x[0].Gather(1, Tensor.FromArray([0, 0, 2, 1, 1, 1], 2, 3)), R(2, 4));
    [Fact] public void ScatterAdd_into_both_inputs() => GradCheck.Assert(x => x[0].ScatterAdd(0, Tensor.FromArray([1, 0, 1, 1, 1, 0], 2, 3), x[1]), R(3, 3), R(2, 3));
    [Fact] public void MaskedSelect_with_a_broadcast_mask() => GradCheck.Assert(x => x[0].MaskedSelect(Tensor.FromArray([1, 0, 1], 3)) * 3f, R(2, 3));
    [Fact] public void MaskedSelect_of_a_broadcast_tensor_sums_back() => GradCheck.Assert(x => x[0].MaskedSelect(Tensor.FromArray([1, 0, 1, 1, 1, 0], 2, 3)), R(3));
    [Fact] public void Mean_over_several_axes_kept() => GradCheck.Assert(x => x[0].Mean([0, 2, 3], keepDims: true) * x[0], R(2, 3, 2, 2));
    [Fact] public void Sum_over_several_axes_dropped() => GradCheck.Assert(x => x[0].Sum([-1, 0]) * x[1], R(2, 3, 4), R(3));
    [Fact] public void MaskedFill() => GradCheck.Assert(x => x[0].MaskedFill(Tensor.FromArray([1, 0, 0], 3), -5f), R(2, 3));
    [Fact] public void Where_with_broadcasting() => GradCheck.Assert(x => Tensor.Where(Tensor.FromArray([1, 0, 1], 3), x[0], x[1]), R(2, 3), R(2, 1));
    [Fact] public void Maximum_and_minimum() => GradCheck.Assert(x => Tensor.Maximum(x[0], x[1]) + Tensor.Minimum(x[0], x[1]) * 3f, Spread(2, 3), Spread(3) + 0.05f);
    [Fact] public void Min_of_all_and_over_an_axis() => GradCheck.Assert(x => x[0].Min() + x[0].Min(1).Sum(), Spread(3, 4));
    [Fact] public void TopK_values() => GradCheck.Assert(x => x[0].TopK(2, 1).Values + x[0].TopK(1, 0, largest: false).Values.Sum(), Spread(3, 4));
    [Fact] public void Var_and_std() => GradCheck.Assert(x => x[0].Var(1) + x[0].Std(0, keepDims: true).Sum() + x[0].Var(unbiased: false), R(3, 4));
    [Fact] public void LogSumExp() => GradCheck.Assert(x => x[0].LogSumExp(1) + x[0].LogSumExp(0, keepDims: true).Sum(), R(3, 4));
    [Fact] public void Norms() => GradCheck.Assert(x => x[0].Norm(1) + x[0].Norm(), R(3, 4));
    [Fact] public void CumSum() => GradCheck.Assert(x => x[0].CumSum(1) + x[0].CumSum(0), R(3, 4));
    [Fact] public void Sin_cos() => GradCheck.Assert(x => x[0].Sin() * x[0].Cos(), R(8));
    [Fact] public void Erf() => GradCheck.Assert(x => (x[0] * 2f).Erf(), R(12));
    [Fact] public void Square_reciprocal_rsqrt() => GradCheck.Assert(x => x[0].Square() + x[0].Reciprocal() + x[0].Rsqrt(), Positive(8));
    [Fact] public void Gelu_exact_and_tanh() => GradCheck.Assert(x => (x[0] * 3f).Gelu() + (x[0] * 3f).Gelu(approximate: true), R(12));
    [Fact] public void Silu_softplus_mish() => GradCheck.Assert(x => (x[0] * 3f).Silu() + (x[0] * 3f).Softplus() + (x[0] * 3f).Mish(), R(12));
    [Fact] public void LeakyRelu_elu_hardtanh() => GradCheck.Assert(x => x[0].LeakyRelu(0.2f) + x[0].Elu(0.7f) + (x[0] * 2f).HardTanh(), Spread(12));
    [Fact] public void Matmul_with_vectors_on_either_side() => GradCheck.Assert(x => x[0].MatMul(x[1]) * 2f + x[1].MatMul(x[2]).Sum() + x[1].MatMul(x[1]), R(3, 4), R(4), R(2, 4, 3));
    [Fact] public void Batched_matmul_four_dimensional() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(2, 3, 2, 4), R(2, 3, 4, 5));
    [Fact] public void Batched_matmul_with_broadcast_batch() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(3, 4), R(2, 4, 2));
    [Fact] public void Batched_matmul_with_a_batch_of_one() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(1, 3, 4), R(2, 1, 4, 2));
    [Fact] public void Batched_matmul_transposed_both_ways() => GradCheck.Assert(x => Tensor.MatMul(x[0], x[1], transposeA: true, transposeB: true), R(2, 4, 3), R(2, 5, 4));
    [Fact] public void Adaptive_pools_with_overlapping_bins() => GradCheck.Assert(x => Tensor.AdaptiveAvgPool2D(x[0], (3, 2)) + Tensor.AdaptiveMaxPool2D(x[0], (3, 2)), Spread(2, 2, 5, 4));
    [Fact] public void Batched_matmul_transposed_a_with_matrix_b() => GradCheck.Assert(x => Tensor.MatMul(x[0], x[1], transposeA: true), R(2, 4, 3), R(4, 5));
}
