using Sprout.Nn;

namespace Sprout.Tests.Ops;

/// <summary>Bad input to the new ops: clear exceptions naming the op and both shapes, and nothing half-written.</summary>
public class OpBadInputTests
{
    [Fact]
    public void Shape_mismatches_name_the_op_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(2, 5, 6)));
        Assert.Contains("(2, 3, 4)", e.Message);
        Assert.Contains("(2, 5, 6)", e.Message);
        var batch = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(3, 4, 5)));
        Assert.Contains("batch axes (2,) and (3,)", batch.Message);
        Assert.Contains("Stack", Assert.Throws<ArgumentException>(() => Tensor.Stack(0, Tensor.Zeros(2), Tensor.Zeros(3))).Message);
        Assert.Contains("(2, 3)", Assert.Throws<ArgumentException>(() => Tensor.Maximum(Tensor.Zeros(2, 3), Tensor.Zeros(4))).Message);
        Assert.Contains("Where", Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Zeros(2), Tensor.Zeros(3), Tensor.Zeros(3))).Message);
        Assert.Contains("ScatterAdd", Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 3).ScatterAdd(0, Tensor.Zeros(2, 3), Tensor.Zeros(2, 2))).Message);
        Assert.Contains("Split", Assert.Throws<ArgumentException>(() => Tensor.Zeros(5).Split(0, 2, 2)).Message);
        Assert.Contains("Pad", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 2).Pad([1], [1])).Message);
        Assert.Contains("Squeeze", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 2).Squeeze(0)).Message);
        Assert.Contains("scalar", Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Scalar(2f), Tensor.Zeros(3, 2))).Message);
        var vector = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Zeros(3), Tensor.Zeros(4, 2)));   // a row of 3 against 4 rows
        Assert.Contains("(3,)·(4, 2): the inner sizes 3 and 4 differ", vector.Message);
    }

    [Fact]
    public void Axes_out_of_range_are_refused()
    {
        var x = Tensor.Zeros(2, 3);
        Assert.ThrowsAny<ArgumentException>(() => x.Unsqueeze(3));
        Assert.ThrowsAny<ArgumentException>(() => x.Var(2));
        Assert.ThrowsAny<ArgumentException>(() => x.CumSum(-3));
        Assert.ThrowsAny<ArgumentException>(() => x.ArgSort(5));
        Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(2, [0]));
    }

    [Fact]
    public void Indices_out_of_range_name_the_index_its_position_and_the_range_and_write_nothing()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(1, [0, 3]));
        Assert.Contains("index 3 at position 1", e.Message);
        Assert.Contains("0..2", e.Message);
        var g = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, Tensor.FromArray([0, 1, 2, 1.5f], 2, 2)));
        Assert.Contains("index 1.5 at position (1, 1) of the indices shaped (2, 2) is not a whole number", g.Message);
        Assert.Equal("index", g.ParamName);   // the caller's argument, not an internal name
        Assert.DoesNotContain("(Parameter 't')", g.Message);
        var target = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => target.ScatterAdd(0, Tensor.FromArray([1, 2, 0], 1, 3), Tensor.Ones(1, 3)));
        Assert.Equal(new float[6], target.ToArray());
        var oneHot = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([3], 1), 3));
        Assert.Contains("index 3 at position (0) of the indices shaped (1,) is out of range; indices are whole numbers in 0..2", oneHot.Message);
        Assert.Equal("indices", oneHot.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([-1], 1), 3));
    }

    [Fact]
    public void TopK_with_k_larger_than_the_axis_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).TopK(4, 1));
        Assert.Contains("1..3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).TopK(0));
    }

    [Fact]
    public void Random_and_activation_arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Bernoulli(new Shape(2), 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.RandomInt(new Shape(2), 3, 3));
        Assert.Throws<ArgumentException>(() => new HardTanh(1f, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(float.NaN));
    }

    [Fact]
    public void Activation_layers_and_the_activation_option_agree_with_the_ops()
    {
        Rng.Seed(3);
        var x = Tensor.RandomUniform(new Shape(4, 5), -2f, 2f);
        Assert.Equal(x.Gelu().ToArray(), new Gelu().Forward(x).ToArray());
        Assert.Equal(x.Mish().ToArray(), new Mish().Forward(x).ToArray());
        Assert.Equal(x.Elu(0.5f).ToArray(), new Elu(0.5f).Forward(x).ToArray());
        var dense = new Dense(3, Activation.Silu, inUnits: 5);
        dense.Initialize();
        var linear = Tensor.Linear(x, dense.Weight.Data(), dense.Bias!.Data());
        Assert.Equal(linear.Silu().ToArray(), dense.Forward(x).ToArray());
        Assert.Equal("Dense(5 -> 3, Activation(silu))", dense.ToString());
    }
}
