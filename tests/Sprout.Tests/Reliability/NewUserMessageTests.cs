using Sprout.IO;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Reliability;

/// <summary>Messages a new user met where .NET's defaults said what was wrong but not why or how to fix it.</summary>
public sealed class NewUserMessageTests : TemporaryFolderTests
{
    [Fact]
    public void Loading_a_file_that_is_not_there_says_where_a_relative_path_was_looked_for()
    {
        var net = new Sequential { new Dense(2) };
        var e = Assert.Throws<FileNotFoundException>(() => net.LoadParameters("no-such-checkpoint.safetensors"));
        Assert.Contains("no-such-checkpoint.safetensors", e.Message);
        Assert.Contains(Environment.CurrentDirectory, e.Message);
        Assert.Contains("SaveParameters", e.Message);
        Assert.Equal("no-such-checkpoint.safetensors", e.FileName);
        var folder = Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.LoadTensors(PathOf("missing/x.safetensors")));
        Assert.DoesNotContain("relative path", folder.Message);
        Assert.Contains("no such file", folder.Message);
    }

    [Fact]
    public void A_batch_size_of_zero_says_what_the_batch_size_is_for()
    {
        var net = new Sequential { new Dense(2) };
        net.Initialize();
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        using (Sprout.Autograd.Record()) net.Forward(Tensor.RandomUniform(3, 4)).Sum().Backward();
        var before = ((Dense)net[0]).Weight.Data().ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(0));
        Assert.Contains("1/batchSize", e.Message);
        Assert.Contains("batch.Size", e.Message);
        Assert.Equal(before, ((Dense)net[0]).Weight.Data().ToArray());
        trainer.Step(3);   // the refused step changed nothing: the gradient is still fresh
    }

    [Fact]
    public void An_embedding_given_a_fractional_id_says_ids_are_whole_numbers()
    {
        var embedding = new Embedding(10, 4);
        embedding.Initialize();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(Tensor.FromArray([1f, 2.5f], 2)));
        Assert.Contains("whole-number ids", e.Message);
        Assert.Contains("got 2.5 at position (1)", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(Tensor.FromArray([12f], 1)));
        Assert.Contains("make the Embedding's vocabSize larger", range.Message);
    }

    [Fact]
    public void A_load_result_prints_the_names_and_compares_by_them()
    {
        var net = new Sequential { new Dense(2, inUnits: 3) };
        net.Initialize();
        net.SaveParameters(PathOf("net.safetensors"));
        var bigger = new Sequential { new Dense(2, inUnits: 3), new Dense(4, inUnits: 2) };
        bigger.Initialize();
        var result = bigger.LoadParameters(PathOf("net.safetensors"), strict: false);
        Assert.Equal("LoadResult { Missing = [1.weight, 1.bias], Unexpected = [] }", result.ToString());
        Assert.Equal(new LoadResult(["1.weight", "1.bias"], []), result);
        Assert.NotEqual(new LoadResult(["1.bias", "1.weight"], []), result);
        Assert.Equal(new LoadResult([], []), net.LoadParameters(PathOf("net.safetensors")));
    }

    [Fact]
    public void Grouped_convolution_channels_that_groups_do_not_divide_are_refused_with_the_counts_that_would_fit()
    {
        var made = Assert.Throws<ArgumentException>(() => new Conv2D(30, 3, groups: 4));
        Assert.Contains("30 output channels", made.Message);
        Assert.Contains("such as 32", made.Message);
        Assert.Contains("1, 2, 3, 5, 6, 10, 15, 30", made.Message);
        var net = new Sequential { new Conv2D(6, 1), new Conv2D(32, 3, padding: 1, groups: 4) };
        net.Initialize();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.RandomUniform(1, 3, 8, 8)));
        Assert.Contains("'1'", e.Message);                   // the layer's path
        Assert.Contains("6 input channels", e.Message);
        Assert.Contains("1, 2, 3, 6", e.Message);            // groups that would fit
        Assert.Contains("multiple of 4", e.Message);
    }
}
