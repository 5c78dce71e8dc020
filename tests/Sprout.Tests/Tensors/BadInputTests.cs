namespace Sprout.Tests.Tensors;

public class BadInputTests
{
    [Fact]
    public void Data_length_that_does_not_match_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1, 2, 3], 2, 2));
        Assert.Contains("(2, 2)", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void Shapes_that_cannot_broadcast_name_both_shapes_and_the_op()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
        Assert.Contains("Add", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) * Tensor.Zeros(3, 2));
        Assert.Contains("Multiply", e.Message);
    }

    [Fact]
    public void MatMul_with_mismatched_inner_sizes_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(3, 4, 5)));
        Assert.Contains("(2, 3, 4)", e.Message);
    }

    [Fact]
    public void Axis_out_of_range_in_a_reduction()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Sum(2));
        Assert.Contains("Axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Softmax(-3));
    }

    [Fact]
    public void Reshape_to_a_different_element_count_or_with_two_unknowns()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, 2));
        Assert.Contains("(4, 2)", e.Message);
        Assert.Contains("6", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, -1));
    }

    [Fact]
    public void Bad_shapes_in_creation_transpose_concat_and_slice()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(new Shape(2, -1)));
        var t = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Transpose(0, 0));
        Assert.Contains("(0, 0)", t.Message);
        var c = Assert.Throws<ArgumentException>(() => Tensor.Concat(1, Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)));
        Assert.Contains("(3, 3)", c.Message);
        Assert.Contains("(2, 3)", c.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(4, 3).Slice(3, 2));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).Clamp(1, 0));
    }

    [Fact]
    public void Meta_tensors_have_shapes_but_no_data()
    {
        var m = Tensor.Meta(new Shape(8, 20));
        var y = (m.MatMul(Tensor.Zeros(20, 5)) + Tensor.Zeros(5)).Relu().Sum(1);
        Assert.True(y.IsMeta);
        Assert.Equal(new Shape(8), y.Shape);
        var e = Assert.Throws<InvalidOperationException>(() => y.ToArray());
        Assert.Contains("meta", e.Message);
        Assert.Throws<ArgumentException>(() => m.MatMul(Tensor.Zeros(21, 5)));
    }
}
