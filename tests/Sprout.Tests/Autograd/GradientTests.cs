using Sprout.Kernels;
namespace Sprout.Tests.Autograd;

/// <summary>Every op's backward rule against finite differences, broadcasting included.</summary>
public class GradientTests
{
    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);
    private static Tensor Positive(params int[] shape) => Tensor.RandomUniform(new Shape(shape), 0.5f, 2f);

    /// <summary>Values kept away from 0 so that kinks (relu, abs, clamp) are not straddled by ε.</summary>
    private static Tensor AwayFromZero(params int[] shape)
    {
        var t = R(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = s[i] >= 0 ? s[i] + 0.1f : s[i] - 0.1f;
        return t;
    }

    public GradientTests() => Rng.Seed(77);

    [Fact] public void Add_with_broadcasting() => GradCheck.Assert(x => x[0] + x[1], R(2, 1, 3), R(4, 3));
    [Fact] public void Subtract_with_broadcasting() => GradCheck.Assert(x => x[0] - x[1], R(3, 4), R(4));
    [Fact] public void Multiply_with_broadcasting() => GradCheck.Assert(x => x[0] * x[1], R(2, 3, 1), R(1, 3, 4));
    [Fact] public void Divide_with_broadcasting() => GradCheck.Assert(x => x[0] / x[1], R(3, 4), Positive(3, 1));
    [Fact] public void Scalar_ops_and_negation() => GradCheck.Assert(x => (3f - x[0] * 2f + 1f) / 4f - x[0] / 0.5f, R(5));
    [Fact] public void Scalar_divided_by_tensor() => GradCheck.Assert(x => 2f / x[0], Positive(6));
    [Fact] public void Exp() => GradCheck.Assert(x => x[0].Exp(), R(3, 3));
    [Fact] public void Log() => GradCheck.Assert(x => x[0].Log(), Positive(7));
    [Fact] public void Sqrt() => GradCheck.Assert(x => x[0].Sqrt(), Positive(7));
    [Fact] public void Abs() => GradCheck.Assert(x => x[0].Abs(), AwayFromZero(9));
    [Fact] public void Pow() => GradCheck.Assert(x => x[0].Pow(3f) + x[0].Pow(0.5f), Positive(6));
    [Fact] public void Relu() => GradCheck.Assert(x => x[0].Relu(), AwayFromZero(4, 5));

    // a + b kept away from 0: |a| ≥ 0.1 and |b| ≤ 0.05.
    [Fact] public void AddRelu_same_shapes() => GradCheck.Assert(x => Tensor.AddRelu(x[0], x[1]), AwayFromZero(4, 5), R(4, 5) * 0.05f);
    [Fact] public void AddRelu_with_broadcasting() => GradCheck.Assert(x => Tensor.AddRelu(x[0], x[1]), AwayFromZero(3, 5), R(5) * 0.05f);
    [Fact] public void Sigmoid() => GradCheck.Assert(x => x[0].Sigmoid(), R(4, 5));
    [Fact] public void Tanh() => GradCheck.Assert(x => x[0].Tanh(), R(4, 5));
    [Fact] public void Clamp() => GradCheck.Assert(x => x[0].Clamp(-0.5f, 0.5f), AwayFromZero(20));
    [Fact] public void Sum_all_and_over_axes() => GradCheck.Assert(x => x[0].Sum() + x[0].Sum(0).Sum() * 2f + x[0].Sum(1, keepDims: true).Sum(), R(3, 4));
    [Fact] public void Mean_all_and_over_an_axis() => GradCheck.Assert(x => x[0].Mean(1) * x[0].Mean(), R(3, 4));
    [Fact] public void Max_over_an_axis() => GradCheck.Assert(x => x[0].Max(1, keepDims: true) + x[0].Max(0).Sum(), R(4, 6));
    [Fact] public void Max_of_all() => GradCheck.Assert(x => x[0].Max() * 3f, R(10));
    [Fact] public void Reshape() => GradCheck.Assert(x => x[0].Reshape(2, 6) * x[1], R(3, 4), R(2, 6));
    [Fact] public void Transpose_2d() => GradCheck.Assert(x => x[0].Transpose() * x[1], R(3, 4), R(4, 3));
    [Fact] public void SwapAxes() => GradCheck.Assert(x => x[0].SwapAxes(0, 1) * x[1], R(2, 3, 4), R(3, 2, 4));
    [Fact] public void Transpose_permutation() => GradCheck.Assert(x => x[0].Transpose(2, 0, 1) * x[1], R(2, 3, 4), R(4, 2, 3));
    [Fact] public void Concat() => GradCheck.Assert(x => Tensor.Concat(1, x[0], x[1]) * x[2], R(2, 3), R(2, 2), R(2, 5));
    [Fact] public void Slice_rows() => GradCheck.Assert(x => x[0].Slice(1, 2) * 2f, R(4, 3));
    [Fact] public void Narrow() => GradCheck.Assert(x => x[0].Narrow(1, 1, 2), R(3, 4));
    [Fact] public void Select_first_axis() => GradCheck.Assert(x => x[0].Select(0, 1) * x[0].Select(0, -1), R(3, 4));
    [Fact] public void Select_inner_axis() => GradCheck.Assert(x => x[0].Select(1, 2), R(2, 3, 4));
    [Fact] public void Narrow_last_axis() => GradCheck.Assert(x => x[0].Narrow(-1, 0, 2) * x[0].Narrow(-1, 3, 2), R(2, 3, 5));

    [Fact]
    public void Narrow_gradient_of_a_large_tensor_is_the_upstream_gradient_in_place_and_zeros_around_it()
    {
        // Large enough to be split over the threads: an LSTM's h half of its (T, N, 2H) states.
        var states = Tensor.RandomUniform(new Shape(70, 16, 64), -1, 1);
        states.AttachGrad();
        var upstream = Tensor.RandomUniform(new Shape(70, 16, 24), -1, 1);
        Tensor h;
        using (Sprout.Autograd.Record()) h = states.Narrow(2, 8, 24);
        h.Backward(upstream);
        var grad = states.Grad().ToArray();
        var up = upstream.ToArray();
        for (int row = 0; row < 70 * 16; row++)
            for (int j = 0; j < 64; j++)
                Assert.Equal(j is >= 8 and < 32 ? up[row * 24 + j - 8] : 0f, grad[row * 64 + j]);
    }
    [Fact] public void MatMul_2d() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(3, 5), R(5, 4));
    [Fact] public void MatMul_batched() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(2, 3, 5), R(2, 5, 4));
    [Fact] public void MatMul_3d_by_2d() => GradCheck.Assert(x => x[0].MatMul(x[1]), R(2, 3, 5), R(5, 4));
    [Fact] public void MatMulTransposed() => GradCheck.Assert(x => x[0].MatMulTransposed(x[1]), R(3, 5), R(4, 5));
    [Fact] public void Linear() => GradCheck.Assert(x => Tensor.Linear(x[0], x[1], x[2]), R(6, 5), R(4, 5), R(4));
    [Theory]
    [InlineData(Pointwise.None)]
    [InlineData(Pointwise.Relu)]
    [InlineData(Pointwise.Sigmoid)]
    [InlineData(Pointwise.Tanh)]
    internal void Linear_with_a_fused_activation(Pointwise activation) =>
        GradCheck.Assert(x => Tensor.Linear(x[0], x[1], x[2], activation), AwayFromZero(6, 5), R(4, 5), R(4));

    [Fact] public void Linear_on_a_rank_3_input() => GradCheck.Assert(x => Tensor.Linear(x[0], x[1], x[2]), R(2, 3, 5), R(4, 5), R(4));

    [Fact] public void Softmax() => GradCheck.Assert(x => x[0].Softmax(1), R(3, 5));
    [Fact] public void Softmax_over_the_first_axis() => GradCheck.Assert(x => x[0].Softmax(0), R(3, 5));
    [Fact] public void LogSoftmax() => GradCheck.Assert(x => x[0].LogSoftmax(-1), R(3, 5));
    [Fact] public void BroadcastTo() => GradCheck.Assert(x => x[0].BroadcastTo(new Shape(3, 2, 4)), R(2, 1));
    [Fact] public void SumTo() => GradCheck.Assert(x => x[0].SumTo(new Shape(1, 4)), R(3, 2, 4));

    [Fact]
    public void Products_with_transposed_operands()
    {
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var a = ta ? R(5, 3) : R(3, 5);
            var b = tb ? R(4, 5) : R(5, 4);
            GradCheck.Assert(x => Tensor.Product(x[0], x[1], ta, tb), a, b);
        }
    }

    [Fact]
    public void A_tensor_used_twice_accumulates_both_paths()
        => GradCheck.Assert(x => x[0] * x[0] + x[0].Exp() * x[1], R(3, 3), R(3, 3));
}
