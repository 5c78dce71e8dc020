namespace Sprout.Tests.Tensors;

public class ShapeTests
{
    [Fact]
    public void Prints_as_python_tuples()
    {
        Assert.Equal("(256, 20)", new Shape(256, 20).ToString());
        Assert.Equal("(256, -1)", new Shape(256, Shape.Unknown).ToString());
        Assert.Equal("()", Shape.Scalar.ToString());
        Assert.Equal("(5,)", new Shape(5).ToString());
    }

    [Fact]
    public void Rank_indexer_and_from_end_index()
    {
        var s = new Shape(2, 3, 4);
        Assert.Equal(3, s.Rank);
        Assert.Equal(3, s[1]);
        Assert.Equal(4, s[^1]);
        Assert.Equal(4, s[-1]);
        Assert.Equal(24, s.ElementCount);
    }

    [Fact]
    public void Unknown_dimensions_make_the_shape_not_known_and_have_no_element_count()
    {
        var s = new Shape(256, -1);
        Assert.False(s.IsKnown);
        var e = Assert.Throws<InvalidOperationException>(() => s.ElementCount);
        Assert.Contains("(256, -1)", e.Message);
        Assert.True(new Shape(3).IsKnown);
    }

    [Fact]
    public void Equality_is_by_dimensions()
    {
        Assert.Equal(new Shape(2, 3), new Shape(2, 3));
        Assert.True(new Shape(2, 3) == new Shape(2, 3));
        Assert.True(new Shape(2, 3) != new Shape(3, 2));
        Assert.Equal(new Shape(2, 3).GetHashCode(), new Shape(2, 3).GetHashCode());
        Assert.Equal(Shape.Scalar, default(Shape));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_zero_or_negative_dimension_other_than_minus_one_is_rejected_with_the_value(int bad)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(3, bad));
        Assert.Contains(bad.ToString(), e.Message);
        Assert.Contains("Dimension 1", e.Message);
    }

    [Fact]
    public void Axis_out_of_range_names_the_axis_and_the_shape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(2, 3).NormalizeAxis(2));
        Assert.Contains("Axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void Compatibility_ignores_unknown_dimensions()
    {
        Assert.True(new Shape(256, -1).IsCompatibleWith(new Shape(256, 20)));
        Assert.False(new Shape(256, -1).IsCompatibleWith(new Shape(255, 20)));
        Assert.False(new Shape(256, -1).IsCompatibleWith(new Shape(256)));
    }
}
