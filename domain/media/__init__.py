"""Media: uploaded images, their variants (metadata stripped) and alt texts, in a storage port."""
