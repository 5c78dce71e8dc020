using Sprout.IO;
using Sprout.Nn;

namespace Sprout.Tests.BuildersGuide;

/// <summary>The Builders' Guide, "File I/O": a tensor, a list, a dictionary, and a model's parameters.</summary>
public sealed class FileIoTests : TemporaryFolderTests
{
    [Fact]
    public void A_tensor_a_list_and_a_dictionary_round_trip_bit_for_bit()
    {
        var x = Tensor.Arange(4);
        SafeTensors.SaveTensor(PathOf("x-file"), x);
        Assert.Equal(x.ToArray(), SafeTensors.LoadTensor(PathOf("x-file")).ToArray());

        var y = Tensor.Zeros(4);
        SafeTensors.SaveTensors(PathOf("x-files"), [x, y]);
        var list = SafeTensors.LoadTensorList(PathOf("x-files"));
        Assert.Equal([x.ToArray(), y.ToArray()], list.Select(t => t.ToArray()));

        var dict = new Dictionary<string, Tensor> { ["x"] = x, ["y"] = Tensor.RandomUniform(2, 3) };
        SafeTensors.SaveTensors(PathOf("mydict"), dict);
        var back = SafeTensors.LoadTensors(PathOf("mydict"));
        Assert.Equal(["x", "y"], back.Keys);
        Assert.Equal(new Shape(2, 3), back["y"].Shape);
        Assert.Equal(dict["y"].ToArray(), back["y"].ToArray());

        Assert.Throws<FormatException>(() => SafeTensors.LoadTensor(PathOf("mydict")));
        Assert.Throws<FormatException>(() => SafeTensors.LoadTensorList(PathOf("mydict")));
        Assert.Throws<ArgumentException>(() => SafeTensors.SaveTensors(PathOf("bad"), new Dictionary<string, Tensor> { ["__metadata__"] = x }));
        Assert.False(File.Exists(PathOf("bad")));
    }

    private sealed class Mlp : Block
    {
        private readonly Dense _hidden = new(256, Activation.Relu);
        private readonly Dense _output = new(10);

        protected override Tensor ForwardCore(Tensor x) => _output.Forward(_hidden.Forward(x));
    }

    [Fact]
    public void Model_parameters_saved_and_loaded_into_a_fresh_deferred_clone_give_the_same_outputs()
    {
        var net = new Mlp();
        net.Initialize();
        var x = Tensor.RandomUniform(2, 20);
        var y = net.Forward(x).ToArray();
        net.SaveParameters(PathOf("mlp.params"));
        var clone = new Mlp();
        clone.Initialize();
        clone.LoadParameters(PathOf("mlp.params"));
        Assert.Equal(y, clone.Forward(x).ToArray());
    }
}
